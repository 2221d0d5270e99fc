# Rumbo API: slim image, non-root user. The entrypoint waits for the database, migrates (under
# a lock, so several containers may start at once), makes sure a signing key exists, then runs
# `rumbo serve`; with arguments it runs them instead (`docker run IMAGE rumbo backup ...`).
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 UV_PROJECT_ENVIRONMENT=/opt/venv UV_COMPILE_BYTECODE=1
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /src
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY app ./app
COPY migrations ./migrations
COPY seed ./seed
COPY deploy ./deploy
RUN uv sync --frozen --no-dev

FROM python:3.11-slim
# pg_dump / pg_restore for `rumbo backup` and `rumbo restore` on PostgreSQL.
RUN apt-get update && apt-get install -y --no-install-recommends postgresql-client \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home /srv/rumbo rumbo \
    && mkdir -p /srv/rumbo/var/keys /backups && chown -R rumbo /srv/rumbo /backups \
    && chmod 700 /srv/rumbo/var/keys
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=root:root /src /srv/rumbo
WORKDIR /srv/rumbo
ENV PATH=/opt/venv/bin:$PATH RUMBO_HOST=0.0.0.0 PORT=8000 RUMBO_ENVIRONMENT=production \
    RUMBO_KEYS_DIR=/srv/rumbo/var/keys PYTHONUNBUFFERED=1
USER rumbo
EXPOSE 8000
VOLUME ["/srv/rumbo/var/keys"]
HEALTHCHECK --interval=30s --timeout=3s --start-period=60s \
    CMD python -c "import urllib.request,os; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/readyz', timeout=2)"
ENTRYPOINT ["/srv/rumbo/deploy/entrypoint.sh"]
CMD []
