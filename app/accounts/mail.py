"""Sending the account lifecycle's e-mails (reset links, invitations) over SMTP.

``RUMBO_SMTP_URL`` names the server: ``smtp://[user:password@]host[:port]`` (plain, port 25
by default; add ``?starttls=1`` to upgrade to TLS) or ``smtps://...`` (TLS from the start,
port 465). The standard library's ``smtplib`` does the work, with a bounded timeout
(``RUMBO_SMTP_TIMEOUT_SECONDS``). Unset: nothing is sent and callers show the link once to
the administrator instead. Messages are never logged (they carry one-time links).
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

from app.errors import ServiceUnavailable
from app.settings import Settings

__all__ = ["enabled", "send"]


def enabled(settings: Settings) -> bool:
    return bool(settings.smtp_url)


def send(settings: Settings, *, to: str, subject: str, body: str) -> None:
    """Send one plain-text message; 503 (problem+json) when the server cannot be reached or
    refuses it, so the caller's transaction (the link it made) is rolled back."""
    if not settings.smtp_url:
        raise ServiceUnavailable("no mail server is configured")
    url = urlsplit(settings.smtp_url)
    if url.scheme not in ("smtp", "smtps") or not url.hostname:
        raise ServiceUnavailable("the mail server setting is not an smtp:// or smtps:// URL")
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    timeout = settings.smtp_timeout_seconds
    try:
        client: smtplib.SMTP
        if url.scheme == "smtps":
            client = smtplib.SMTP_SSL(
                url.hostname,
                url.port or 465,
                timeout=timeout,
                context=ssl.create_default_context(),
            )
        else:
            client = smtplib.SMTP(url.hostname, url.port or 25, timeout=timeout)
        with client:
            if url.scheme == "smtp" and parse_qs(url.query).get("starttls") == ["1"]:
                client.starttls(context=ssl.create_default_context())
            if url.username:
                client.login(unquote(url.username), unquote(url.password or ""))
            client.send_message(message)
    except (OSError, smtplib.SMTPException):
        raise ServiceUnavailable("the mail server could not be reached; try again") from None
