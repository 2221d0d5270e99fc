# Rumbo API: slim image, non-root user, `rumbo serve`.
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 UV_PROJECT_ENVIRONMENT=/opt/venv UV_COMPILE_BYTECODE=1
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /src
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY app ./app
COPY migrations ./migrations
COPY seed ./seed
RUN uv sync --frozen --no-dev

FROM python:3.11-slim
RUN useradd --system --uid 10001 --home /srv/rumbo rumbo && mkdir -p /srv/rumbo/var \
    && chown -R rumbo /srv/rumbo
COPY --from=build /opt/venv /opt/venv
COPY --from=build /src /srv/rumbo
WORKDIR /srv/rumbo
ENV PATH=/opt/venv/bin:$PATH RUMBO_HOST=0.0.0.0 PORT=8000 RUMBO_ENVIRONMENT=production
USER rumbo
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD python -c "import urllib.request,os; urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/healthz')"
CMD ["rumbo", "serve"]
