"""POST alerts to a webhook (a chat channel, a SOAR, a ticketing system).

The URL comes from `.env` (`RINGSCOPE_ALERT_WEBHOOK_URL`) because webhook URLs usually
carry their secret in the path or the query string (`/services/T0/B0/XXXX`,
`?token=...`). So the URL is never written anywhere: messages name only its origin
(`https://hooks.example.com/…`), and a logging filter rewrites urllib3's own retry
messages, which otherwise print the request path with its query string.

Retries are urllib3's `Retry` (a well-kept implementation of exponential back-off,
`Retry-After`, and which failures are worth retrying): connection errors, read
timeouts and HTTP 429/500/502/503/504 are retried; other 4xx are not (the request
itself is wrong, sending it again cannot help).

Body: `{"alerts": [alert, ...]}`, JSON, at most `batch` alerts per request. With
`RINGSCOPE_ALERT_WEBHOOK_SECRET` set, each request carries
`X-RingScope-Signature: sha256=<hex HMAC-SHA256 of the body>` so the receiver can
check it came from us.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from typing import Any, Sequence
from urllib.parse import urlsplit

import urllib3
from urllib3.util import Retry, Timeout

from .errors import RingScopeError

log = logging.getLogger(__name__)

#: Statuses worth sending again: rate limited, or the receiver is briefly unwell.
RETRY_STATUSES = (429, 500, 502, 503, 504)


class WebhookError(RingScopeError):
    """The webhook did not accept the alerts after every retry."""


def redact(url: str) -> str:
    """The URL's origin only: `https://user:pw@h.example:8443/a/b?t=1` -> `https://h.example:8443/…`."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "<webhook URL>"
    return f"{parts.scheme or '?'}://{host}{port}/…"


class _RedactFilter(logging.Filter):
    """Rewrites log records that mention the webhook's path or query (urllib3 logs both
    when it retries). Installed on the urllib3 logger only while a POST runs."""

    def __init__(self, url: str) -> None:
        super().__init__()
        parts = urlsplit(url)
        secrets = [s for s in (parts.path, parts.query, parts.username, parts.password) if s and s != "/"]
        # longest first, so the path with its query goes before the path alone
        target = parts.path + ("?" + parts.query if parts.query else "")
        if target and target != "/":
            secrets.append(target)
        self._pattern = re.compile("|".join(re.escape(s) for s in sorted(set(secrets), key=len, reverse=True))) if secrets else None

    def filter(self, record: logging.LogRecord) -> bool:
        if self._pattern is None:
            return True
        message = record.getMessage()
        cleaned = self._pattern.sub("/…", message)
        if cleaned != message:
            record.msg, record.args = cleaned, ()
        return True


def _check(url: str) -> None:
    try:
        parts = urlsplit(url)
    except ValueError:
        raise WebhookError("RINGSCOPE_ALERT_WEBHOOK_URL is not a URL: fix it in .env") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookError(f"RINGSCOPE_ALERT_WEBHOOK_URL must be an http(s) URL, not {parts.scheme or 'no scheme'}://: fix it in .env")


def post_alerts(
    url: str,
    alerts: Sequence[dict[str, Any]],
    *,
    timeout: float = 10.0,
    retries: int = 3,
    backoff: float = 0.5,
    batch: int = 100,
    secret: str | None = None,
) -> int:
    """POST `alerts` as JSON to `url`, `batch` per request; returns requests accepted (2xx).

    `timeout`: seconds to connect and, separately, to wait for the answer, per attempt.
    `retries`: further attempts after the first (connection errors, timeouts, 429, 5xx),
    waiting `backoff` x 2^n seconds between them (or what `Retry-After` asks, at most 60 s).
    Raises WebhookError naming only the URL's origin when a batch is refused or every
    attempt failed; batches sent before it stay sent (the caller marks nothing, so
    the next run sends them again: at-least-once).
    """
    _check(url)
    retry = Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        backoff_factor=backoff,
        backoff_max=60,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"POST"}),  # our POST is idempotent for the receiver: alert ids are stable
        respect_retry_after_header=True,
        raise_on_status=False,
    )
    http = urllib3.PoolManager(retries=retry, timeout=Timeout(connect=timeout, read=timeout))
    where = redact(url)
    guard = _RedactFilter(url)
    # filters do not propagate: each urllib3 logger that may print a URL gets one
    loggers = [logging.getLogger(name) for name in
               ("urllib3", "urllib3.connectionpool", "urllib3.poolmanager", "urllib3.util.retry", "urllib3.response")]
    for logger in loggers:
        logger.addFilter(guard)
    sent = 0
    try:
        for start in range(0, len(alerts), max(1, batch)):
            body = json.dumps({"alerts": list(alerts[start:start + batch])}, sort_keys=True).encode("utf-8")
            headers = {"Content-Type": "application/json", "User-Agent": "ringscope-alerts"}
            if secret:
                digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
                headers["X-RingScope-Signature"] = f"sha256={digest}"
            try:
                # no redirects: a webhook that moved is a configuration to fix, and following
                # one would send the alerts (and the token) wherever it points
                response = http.request("POST", url, body=body, headers=headers, redirect=False)
            except urllib3.exceptions.MaxRetryError as exc:
                # str(exc) holds the path and query: name only the cause's kind
                cause = type(exc.reason).__name__ if exc.reason is not None else "no answer"
                raise WebhookError(f"webhook {where} unreachable after {retries + 1} attempts ({cause}); "
                                   "alerts stay pending and are sent on the next run") from None
            except urllib3.exceptions.HTTPError as exc:
                raise WebhookError(f"webhook {where} failed ({type(exc).__name__}); alerts stay pending") from None
            if not 200 <= response.status < 300:
                raise WebhookError(f"webhook {where} answered HTTP {response.status} "
                                   f"({'after retries' if response.status in RETRY_STATUSES else 'not retried'}); "
                                   "alerts stay pending and are sent on the next run")
            sent += 1
            log.info("webhook %s accepted %d alert(s)", where, len(alerts[start:start + batch]))
    finally:
        for logger in loggers:
            logger.removeFilter(guard)
        http.clear()
    return sent


__all__ = ["RETRY_STATUSES", "WebhookError", "post_alerts", "redact"]
