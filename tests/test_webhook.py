"""The alert webhook against a real HTTP server on 127.0.0.1: retries, timeout, the
signature, and that the URL's secret never reaches a message or a log line."""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ringscope.webhook import WebhookError, post_alerts, redact

SECRET = "s3cr3t-T0KEN-in-query"
PATH_SECRET = "B0HOOKPATHSECRET"
ALERTS = [{"alert_id": "AL-1", "kind": "new_ring", "account_ids": ["a", "b"]},
          {"alert_id": "AL-2", "kind": "recidivism", "account_ids": ["c"]}]


class Receiver:
    """A local webhook receiver whose answers are scripted: a list of (status, delay s)."""

    def __init__(self, script):
        self.script = list(script)
        self.requests: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append({"path": self.path, "body": body, "headers": dict(self.headers)})
                status, delay = receiver.script.pop(0) if receiver.script else (200, 0)
                time.sleep(delay)
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (the timeout test)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/hooks/{PATH_SECRET}?token={SECRET}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def _no_secret(text: str) -> None:
    assert SECRET not in text and PATH_SECRET not in text, text


def test_redact_keeps_only_the_origin():
    assert redact("https://user:pw@hooks.example.com:8443/a/b?token=x") == "https://hooks.example.com:8443/…"
    assert redact(f"http://127.0.0.1:9/hooks/{PATH_SECRET}?token={SECRET}") == "http://127.0.0.1:9/…"


def test_posts_every_alert_signed_and_batched():
    with Receiver([]) as rx:
        sent = post_alerts(rx.url, ALERTS, batch=1, secret="shared-key")
    assert sent == 2 and len(rx.requests) == 2
    got = [json.loads(r["body"])["alerts"][0]["alert_id"] for r in rx.requests]
    assert got == ["AL-1", "AL-2"]
    first = rx.requests[0]
    assert first["headers"]["Content-Type"] == "application/json"
    expected = hmac.new(b"shared-key", first["body"], hashlib.sha256).hexdigest()
    assert first["headers"]["X-RingScope-Signature"] == f"sha256={expected}"


def test_retries_a_busy_receiver_then_succeeds_and_logs_no_secret(caplog):
    caplog.set_level(logging.DEBUG)
    with Receiver([(503, 0), (502, 0)]) as rx:
        sent = post_alerts(rx.url, ALERTS, retries=3, backoff=0.01)
    assert sent == 1
    assert len(rx.requests) == 3  # two refusals, then accepted
    assert any("Retry" in r.getMessage() or "retry" in r.getMessage().lower() for r in caplog.records), \
        "urllib3 logs its retries (the test must see them to check they are clean)"
    for record in caplog.records:
        _no_secret(record.getMessage())


def test_gives_up_after_the_retries_with_one_clean_line(caplog):
    caplog.set_level(logging.DEBUG)
    with Receiver([(500, 0)] * 10) as rx:
        with pytest.raises(WebhookError) as err:
            post_alerts(rx.url, ALERTS, retries=2, backoff=0.01)
    assert len(rx.requests) == 3
    message = str(err.value)
    assert "HTTP 500" in message and "http://127.0.0.1:" in message and "\n" not in message
    _no_secret(message)
    for record in caplog.records:
        _no_secret(record.getMessage())


def test_a_client_error_is_not_retried():
    with Receiver([(400, 0)]) as rx:
        with pytest.raises(WebhookError, match="HTTP 400 .not retried"):
            post_alerts(rx.url, ALERTS, retries=3, backoff=0.01)
    assert len(rx.requests) == 1


def test_a_receiver_that_hangs_times_out_per_attempt(caplog):
    caplog.set_level(logging.DEBUG)
    with Receiver([(200, 3.0), (200, 3.0)]) as rx:
        started = time.monotonic()
        with pytest.raises(WebhookError) as err:
            post_alerts(rx.url, ALERTS, timeout=0.3, retries=1, backoff=0.01)
        elapsed = time.monotonic() - started
    assert len(rx.requests) == 2  # the first attempt timed out and was retried once
    assert elapsed < 2.5, f"two 0.3 s attempts took {elapsed:.1f} s"
    assert "ReadTimeoutError" in str(err.value) and "unreachable after 2 attempts" in str(err.value)
    _no_secret(str(err.value))
    for record in caplog.records:
        _no_secret(record.getMessage())


def test_nothing_listening_is_one_clean_line():
    with Receiver([]) as rx:
        url = rx.url
    with pytest.raises(WebhookError, match="unreachable") as err:
        post_alerts(url, ALERTS, retries=1, backoff=0.01, timeout=1)
    _no_secret(str(err.value))
    assert "\n" not in str(err.value), str(err.value)


def test_a_url_that_is_not_http_is_refused_without_echoing_it():
    with pytest.raises(WebhookError, match="must be an http") as err:
        post_alerts(f"ftp://x/{PATH_SECRET}", ALERTS)
    _no_secret(str(err.value))


def test_a_redirect_is_not_followed():
    with Receiver([(302, 0)]) as rx:
        with pytest.raises(WebhookError, match="HTTP 302 .not retried"):
            post_alerts(rx.url, ALERTS, retries=2, backoff=0.01)
    assert len(rx.requests) == 1
