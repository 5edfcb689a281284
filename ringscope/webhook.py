"""POST alerts to a webhook (a chat channel, a SOAR, a ticketing system).

The URL comes from `.env` (`RINGSCOPE_ALERT_WEBHOOK_URL`) because webhook URLs usually
carry their secret in the path or the query string (`/services/T0/B0/XXXX`,
`?token=...`) or as `user:password@`. So the URL is never written anywhere: messages
name only its origin (`https://hooks.example.com/…`), and a logging filter rewrites
urllib3's own retry messages, which otherwise print the request path with its query string.

HTTP is `requests` (a well-kept client), so the webhook behaves like curl: credentials in
the URL (`https://user:pass@host/...`) are sent as HTTP Basic auth, and `HTTPS_PROXY`,
`HTTP_PROXY` and `NO_PROXY` from the environment are honoured (and `REQUESTS_CA_BUNDLE` for
a private CA). Redirects are not followed: a webhook that moved is a configuration to fix,
and following one would send the alerts (and the token) wherever it points.

Retries are urllib3's `Retry` (exponential back-off, `Retry-After`, which failures are
worth retrying): connection errors, read timeouts and HTTP 429/500/502/503/504 are
retried; a `Retry-After` longer than `RETRY_AFTER_MAX` (60 s) is cut to it.

One deadline bounds the whole delivery (`deadline`, `RINGSCOPE_ALERT_WEBHOOK_DEADLINE`,
300 s by default): per-attempt timeouts alone do not, since a receiver that trickles
a byte every few seconds never trips a read timeout. When it passes, the connection in
use is shut, no retry or further batch starts, and the rest stays pending.

Each batch the receiver accepts (2xx) is reported at once (`on_accepted`), so the caller
marks it delivered before the next is sent. A batch the receiver refuses as content (HTTP
400, 413, 422) is split in halves until the alerts it refuses on their own are found:
those come back in `Delivery.refused` (the caller sets them aside), the rest is
delivered. A receiver that refuses `REFUSED_ALONE_MAX` alerts on their own and accepts
none refuses everything (its format or auth changed): then nothing is set aside.

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
import socket
import threading
import time
import weakref
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util import Retry

from .errors import RingScopeError

log = logging.getLogger(__name__)

#: Statuses worth sending again: rate limited, or the receiver is briefly unwell.
RETRY_STATUSES = (429, 500, 502, 503, 504)
#: Statuses that refuse the content of a request: the batch is narrowed down to the alerts refused.
REFUSAL_STATUSES = (400, 413, 422)
#: The longest wait a `Retry-After` header gets, in seconds.
RETRY_AFTER_MAX = 60
#: Seconds the whole delivery may take (RINGSCOPE_ALERT_WEBHOOK_DEADLINE).
DEFAULT_DEADLINE = 300.0
#: Alerts refused on their own, with none accepted, after which the receiver is taken to refuse everything.
REFUSED_ALONE_MAX = 5


class WebhookError(RingScopeError):
    """The webhook URL is unusable, or the webhook did not take every alert."""


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
    """Rewrites log records that mention the webhook's path, query or credentials (urllib3
    logs the first two when it retries). Installed on the urllib3 loggers only while a POST runs."""

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
        parts.port  # noqa: B018 (raises ValueError on a port that is not a number)
    except ValueError:
        raise WebhookError("RINGSCOPE_ALERT_WEBHOOK_URL is not a URL: fix it in .env") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookError(f"RINGSCOPE_ALERT_WEBHOOK_URL must be an http(s) URL, not {parts.scheme or 'no scheme'}://: fix it in .env")


# --------------------------------------------------------------------------- the deadline


class _DeadlinePassed(Exception):
    """Raised inside a request (from Retry) when the deadline passed: stops the retries."""


class _Deadline:
    """The time left for the whole delivery. When it runs out, a timer shuts the socket of
    every connection opened for it, so a read blocked on a trickling receiver returns."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self.passed = threading.Event()
        self._lock = threading.Lock()
        self._connections: list[weakref.ref] = []
        self._timer = threading.Timer(seconds, self.expire)
        self._timer.daemon = True
        self._classes: dict[type, type] = {}

    def __enter__(self) -> "_Deadline":
        self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self._timer.cancel()

    def remaining(self) -> float:
        return max(0.0, self.end - time.monotonic())

    def expire(self) -> None:
        self.passed.set()
        with self._lock:
            connections = [ref() for ref in self._connections]
        for connection in connections:
            _shut(connection)

    def track(self, connection: Any) -> None:
        with self._lock:
            self._connections.append(weakref.ref(connection))
        if self.passed.is_set():
            _shut(connection)

    def pool_class(self, pool_class: type) -> type:
        """`pool_class` whose connections register with this deadline when they connect."""
        if pool_class not in self._classes:
            deadline = self

            class Watched(pool_class.ConnectionCls):  # type: ignore[name-defined,misc]
                def connect(self) -> None:
                    super().connect()
                    deadline.track(self)

            self._classes[pool_class] = type(pool_class.__name__, (pool_class,), {"ConnectionCls": Watched})
        return self._classes[pool_class]


def _shut(connection: Any) -> None:
    sock = getattr(connection, "sock", None)
    if sock is None:
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass


class _Retry(Retry):
    """urllib3's Retry that stops at the deadline: no retry starts after it, and no wait
    (back-off or Retry-After) runs past it."""

    deadline: _Deadline | None = None

    def new(self, **kw: Any) -> "_Retry":
        new = super().new(**kw)
        new.deadline = self.deadline
        return new

    def increment(self, *args: Any, **kwargs: Any) -> "_Retry":
        if self.deadline is not None and self.deadline.passed.is_set():
            raise _DeadlinePassed()
        return super().increment(*args, **kwargs)

    def sleep(self, response: Any = None) -> None:
        if self.deadline is not None:
            wait = None
            if response is not None and self.respect_retry_after_header:
                try:
                    wait = self.get_retry_after(response)
                except Exception:  # an unreadable header: urllib3 says so below
                    wait = None
            wait = wait or self.get_backoff_time()
            if wait >= self.deadline.remaining():
                raise _DeadlinePassed()
        super().sleep(response)


class _Adapter(HTTPAdapter):
    """requests' adapter whose connections (direct or through a proxy) the deadline can shut."""

    def __init__(self, deadline: _Deadline, **kwargs: Any) -> None:
        self._deadline = deadline
        super().__init__(**kwargs)

    def _watch(self, manager: Any) -> Any:
        if not getattr(manager, "_ringscope_watched", False):
            manager.pool_classes_by_scheme = {scheme: self._deadline.pool_class(cls)
                                              for scheme, cls in manager.pool_classes_by_scheme.items()}
            manager._ringscope_watched = True
        return manager

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self._watch(self.poolmanager)

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        return self._watch(super().proxy_manager_for(proxy, **kwargs))


# --------------------------------------------------------------------------- delivery


@dataclass
class Delivery:
    """What one `post_alerts` did."""

    where: str
    total: int = 0
    #: alerts the receiver accepted (each batch reported to `on_accepted` as it was)
    accepted: int = 0
    #: (alert, HTTP status) for each alert the receiver refused on its own: to set aside
    refused: list[tuple[dict[str, Any], int]] = field(default_factory=list)
    #: why the rest was not delivered (one line), or None
    error: str | None = None

    @property
    def pending(self) -> int:
        """Alerts neither accepted nor refused: sent again on the next run."""
        return self.total - self.accepted - len(self.refused)

    @property
    def complete(self) -> bool:
        return self.error is None and not self.refused

    def message(self) -> str:
        """One line: what failed, what was delivered, what happens to the rest and what to do."""
        parts = []
        if self.error:
            parts.append(self.error)
        if self.refused:
            statuses = ", ".join(sorted({f"HTTP {s}" for _, s in self.refused}))
            ids = ", ".join(str(a.get("alert_id")) for a, _ in self.refused[:3]) + (" ..." if len(self.refused) > 3 else "")
            parts.append(f"webhook {self.where} refused {len(self.refused)} alert(s) on their own ({statuses}: {ids}), "
                         "set aside and not sent again: `ringscope alerts refused` lists them, "
                         "`ringscope alerts retry ALERT_ID` sends one again")
        parts.append(f"{self.accepted} of {self.total} alert(s) delivered"
                     + (f", {self.pending} stay pending for the next run" if self.pending else ""))
        return "; ".join(parts)


def _cause(exc: BaseException) -> str:
    """The kind of a failure without its text (requests' and urllib3's texts hold the URL)."""
    inner = exc.args[0] if exc.args else None
    reason = getattr(inner, "reason", None)
    return type(reason).__name__ if reason is not None else type(exc).__name__


def post_alerts(
    url: str,
    alerts: Sequence[dict[str, Any]],
    *,
    timeout: float = 10.0,
    retries: int = 3,
    backoff: float = 0.5,
    batch: int = 100,
    secret: str | None = None,
    deadline: float = DEFAULT_DEADLINE,
    retry_after_max: float = RETRY_AFTER_MAX,
    on_accepted: Callable[[list[dict[str, Any]]], Any] | None = None,
) -> Delivery:
    """POST `alerts` as JSON to `url`, `batch` per request; returns what was delivered.

    `timeout`: seconds to connect and, separately, between bytes of the answer, per attempt.
    `retries`: further attempts after the first (connection errors, timeouts, 429, 5xx),
    waiting `backoff` x 2^n seconds between them (or what `Retry-After` asks, at most
    `retry_after_max`, 60 s). `deadline`: seconds for the whole call, retries and waits
    included; when it passes, the rest is left undelivered. `on_accepted(batch)` runs
    after each accepted request, before the next is sent.

    Delivery problems (a refusal, an unreachable receiver, the deadline) are in the
    returned `Delivery`, never raised; WebhookError only for a URL that is not http(s).
    Messages name only the URL's origin.
    """
    _check(url)
    where = redact(url)
    delivery = Delivery(where=where, total=len(alerts))
    if not alerts:
        return delivery
    guard = _RedactFilter(url)
    # filters do not propagate: each urllib3 logger that may print a URL gets one
    loggers = [logging.getLogger(name) for name in
               ("urllib3", "urllib3.connectionpool", "urllib3.poolmanager", "urllib3.util.retry", "urllib3.response")]
    for logger in loggers:
        logger.addFilter(guard)
    size = max(1, batch)
    queue: deque[list[dict[str, Any]]] = deque(list(alerts[i:i + size]) for i in range(0, len(alerts), size))
    with _Deadline(deadline) as clock, requests.Session() as session:
        retry = _Retry(
            total=retries,
            connect=retries,
            read=retries,
            status=retries,
            backoff_factor=backoff,
            backoff_max=60,
            retry_after_max=retry_after_max,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=frozenset({"POST"}),  # our POST is idempotent for the receiver: alert ids are stable
            respect_retry_after_header=True,
            raise_on_status=False,
        )
        retry.deadline = clock
        adapter = _Adapter(clock, max_retries=retry)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        passed = (f"webhook {where}: the delivery deadline of {deadline:g} s passed "
                  "(RINGSCOPE_ALERT_WEBHOOK_DEADLINE in .env)")
        try:
            while queue:
                chunk = queue.popleft()
                left = clock.remaining()
                if clock.passed.is_set() or left <= 0:
                    delivery.error = passed
                    break
                body = json.dumps({"alerts": chunk}, sort_keys=True).encode("utf-8")
                headers = {"Content-Type": "application/json", "User-Agent": "ringscope-alerts"}
                if secret:
                    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
                    headers["X-RingScope-Signature"] = f"sha256={digest}"
                wait = max(0.05, min(timeout, left))
                try:
                    response = session.post(url, data=body, headers=headers, timeout=(wait, wait), allow_redirects=False)
                except _DeadlinePassed:
                    delivery.error = passed
                    break
                except requests.RequestException as exc:
                    if clock.passed.is_set():
                        delivery.error = passed
                    elif isinstance(exc, (requests.ConnectionError, requests.Timeout)):
                        delivery.error = f"webhook {where} unreachable after {retries + 1} attempts ({_cause(exc)})"
                    else:
                        delivery.error = f"webhook {where} failed ({_cause(exc)})"
                    break
                status = response.status_code
                response.close()
                if 200 <= status < 300:
                    delivery.accepted += len(chunk)
                    log.info("webhook %s accepted %d alert(s)", where, len(chunk))
                    if on_accepted is not None:
                        on_accepted(chunk)
                elif status in REFUSAL_STATUSES and len(chunk) > 1:
                    half = len(chunk) // 2
                    queue.appendleft(chunk[half:])
                    queue.appendleft(chunk[:half])
                elif status in REFUSAL_STATUSES:
                    delivery.refused.append((chunk[0], status))
                    if delivery.accepted == 0 and len(delivery.refused) >= REFUSED_ALONE_MAX:
                        delivery.refused = []
                        delivery.error = (f"webhook {where} refused each of {REFUSED_ALONE_MAX} alerts sent on their own "
                                          f"(HTTP {status}) and accepted none: it refuses everything, so nothing was set "
                                          "aside; check what the receiver expects")
                        break
                else:
                    kind = "after retries" if status in RETRY_STATUSES else "not retried"
                    delivery.error = f"webhook {where} answered HTTP {status} ({kind})"
                    break
        finally:
            for logger in loggers:
                logger.removeFilter(guard)
    return delivery


__all__ = ["DEFAULT_DEADLINE", "Delivery", "REFUSAL_STATUSES", "RETRY_AFTER_MAX", "RETRY_STATUSES", "WebhookError",
           "post_alerts", "redact"]
