"""The alert webhook against real HTTP servers on 127.0.0.1 (a receiver, and a forward
proxy): retries, Retry-After, the per-attempt timeout and the overall deadline, the
signature, URL credentials, proxies, narrowing a refused batch down, and that the URL's
secret never reaches a message or a log line."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ringscope.webhook import REFUSED_ALONE_MAX, WebhookError, post_alerts, redact

SECRET = "s3cr3t-T0KEN-in-query"
PATH_SECRET = "B0HOOKPATHSECRET"
ALERTS = [{"alert_id": "AL-1", "kind": "new_ring", "account_ids": ["a", "b"]},
          {"alert_id": "AL-2", "kind": "recidivism", "account_ids": ["c"]}]
PROXY_VARIABLES = ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY",
                   "no_proxy", "NO_PROXY")


@pytest.fixture(autouse=True)
def no_proxy_from_the_environment(monkeypatch):
    """The receivers are on 127.0.0.1: a developer's own HTTP(S)_PROXY must not route the
    tests' requests elsewhere (the webhook honours those variables, as curl does)."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


class Receiver:
    """A local webhook receiver whose answers are scripted: a list of (status, delay s) or
    (status, delay s, headers); when the script is used up, `judge(alerts)` gives the status
    (200 by default). `trickle` = ("status" | "body", seconds): every answer is sent one byte
    at a time, that many seconds apart (a slow or hostile receiver)."""

    def __init__(self, script, judge=None, trickle=None):
        self.script = list(script)
        self.requests: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append({"path": self.path, "body": body, "headers": dict(self.headers)})
                if receiver.script:
                    status, delay, *extra = receiver.script.pop(0)
                else:
                    status, delay, extra = (judge(json.loads(body)["alerts"]) if judge else 200), 0, []
                time.sleep(delay)
                try:
                    if trickle:
                        self._trickle(status, *trickle)
                        return
                    self.send_response(status)
                    for name, value in (extra[0] if extra else {}).items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (the timeout tests)

            def _trickle(self, status, part, interval):
                head = f"HTTP/1.1 {status} OK\r\nContent-Length: 40\r\n\r\n".encode()
                body = b"x" * 40
                slow = head + body if part == "status" else body
                if part == "body":
                    self.wfile.write(head)
                    self.wfile.flush()
                for i in range(len(slow)):
                    self.wfile.write(slow[i:i + 1])
                    self.wfile.flush()
                    time.sleep(interval)
                self.close_connection = True

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def url(self) -> str:
        return f"{self.origin}/hooks/{PATH_SECRET}?token={SECRET}"

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
    accepted = []
    with Receiver([]) as rx:
        sent = post_alerts(rx.url, ALERTS, batch=1, secret="shared-key", on_accepted=accepted.append)
    assert sent.complete and sent.accepted == 2 and len(rx.requests) == 2
    got = [json.loads(r["body"])["alerts"][0]["alert_id"] for r in rx.requests]
    assert got == ["AL-1", "AL-2"]
    assert [[a["alert_id"] for a in batch] for batch in accepted] == [["AL-1"], ["AL-2"]]
    first = rx.requests[0]
    assert first["headers"]["Content-Type"] == "application/json"
    expected = hmac.new(b"shared-key", first["body"], hashlib.sha256).hexdigest()
    assert first["headers"]["X-RingScope-Signature"] == f"sha256={expected}"


def test_retries_a_busy_receiver_then_succeeds_and_logs_no_secret(caplog):
    caplog.set_level(logging.DEBUG)
    with Receiver([(503, 0), (502, 0)]) as rx:
        sent = post_alerts(rx.url, ALERTS, retries=3, backoff=0.01)
    assert sent.complete and sent.accepted == 2
    assert len(rx.requests) == 3  # two refusals, then accepted
    assert any("Retry" in r.getMessage() or "retry" in r.getMessage().lower() for r in caplog.records), \
        "urllib3 logs its retries (the test must see them to check they are clean)"
    for record in caplog.records:
        _no_secret(record.getMessage())


def test_gives_up_after_the_retries_with_one_clean_line(caplog):
    caplog.set_level(logging.DEBUG)
    with Receiver([(500, 0)] * 10) as rx:
        sent = post_alerts(rx.url, ALERTS, retries=2, backoff=0.01)
    assert len(rx.requests) == 3
    message = sent.message()
    assert "HTTP 500" in message and "http://127.0.0.1:" in message and "\n" not in message
    assert "0 of 2 alert(s) delivered, 2 stay pending for the next run" in message
    _no_secret(message)
    for record in caplog.records:
        _no_secret(record.getMessage())


def test_a_client_error_about_the_request_is_not_retried():
    for status in (401, 403, 404):
        with Receiver([(status, 0)]) as rx:
            sent = post_alerts(rx.url, ALERTS, retries=3, backoff=0.01)
        assert f"HTTP {status} (not retried)" in sent.error and sent.accepted == 0 and not sent.refused
        assert len(rx.requests) == 1  # wrong credentials or URL: not narrowed down alert by alert


def test_a_receiver_that_hangs_times_out_per_attempt(caplog):
    caplog.set_level(logging.DEBUG)
    with Receiver([(200, 3.0), (200, 3.0)]) as rx:
        started = time.monotonic()
        sent = post_alerts(rx.url, ALERTS, timeout=0.3, retries=1, backoff=0.01)
        elapsed = time.monotonic() - started
    assert len(rx.requests) == 2  # the first attempt timed out and was retried once
    assert elapsed < 2.5, f"two 0.3 s attempts took {elapsed:.1f} s"
    assert "ReadTimeoutError" in sent.error and "unreachable after 2 attempts" in sent.error
    _no_secret(sent.message())
    for record in caplog.records:
        _no_secret(record.getMessage())


def test_nothing_listening_is_one_clean_line():
    with Receiver([]) as rx:
        url = rx.url
    sent = post_alerts(url, ALERTS, retries=1, backoff=0.01, timeout=1)
    assert "unreachable" in sent.error
    _no_secret(sent.message())
    assert "\n" not in sent.message(), sent.message()


def test_a_url_that_is_not_http_is_refused_without_echoing_it():
    with pytest.raises(WebhookError, match="must be an http") as err:
        post_alerts(f"ftp://x/{PATH_SECRET}", ALERTS)
    _no_secret(str(err.value))


def test_a_redirect_is_not_followed():
    with Receiver([(302, 0, {"Location": "http://127.0.0.1:9/elsewhere"})]) as rx:
        sent = post_alerts(rx.url, ALERTS, retries=2, backoff=0.01)
    assert "HTTP 302 (not retried)" in sent.error
    assert len(rx.requests) == 1


def test_retry_after_is_capped(caplog):
    """A 503 asking for 400 s waited the whole 400 s (urllib3 honours Retry-After uncapped
    by default): the wait is cut to the cap (60 s; 1 s here)."""
    with Receiver([(503, 0, {"Retry-After": "400"})]) as rx:
        started = time.monotonic()
        sent = post_alerts(rx.url, ALERTS, retries=2, backoff=0.01, retry_after_max=1, deadline=30)
        elapsed = time.monotonic() - started
    assert sent.complete and len(rx.requests) == 2, sent.message()
    assert 0.9 < elapsed < 5, f"waited {elapsed:.1f} s"


def test_a_retry_after_past_the_deadline_is_not_waited():
    with Receiver([(503, 0, {"Retry-After": "50"})] * 3) as rx:
        started = time.monotonic()
        sent = post_alerts(rx.url, ALERTS, retries=2, backoff=0.01, deadline=3)
        elapsed = time.monotonic() - started
    assert elapsed < 2, f"waited {elapsed:.1f} s"
    assert len(rx.requests) == 1
    assert "delivery deadline of 3 s passed (RINGSCOPE_ALERT_WEBHOOK_DEADLINE" in sent.error
    assert sent.pending == 2 and "\n" not in sent.message()


@pytest.mark.parametrize("part", ["status", "body"])
def test_a_trickling_receiver_is_cut_at_the_deadline(part, caplog):
    """A 200 answer sent one byte every 0.4 s never trips the per-read timeout (2 s here):
    the deadline shuts the connection, whether the trickle is in the status line or the body."""
    caplog.set_level(logging.DEBUG)
    with Receiver([], trickle=(part, 0.4)) as rx:
        started = time.monotonic()
        sent = post_alerts(rx.url, ALERTS, timeout=2, retries=3, backoff=0.01, deadline=2)
        elapsed = time.monotonic() - started
    assert elapsed < 4, f"a 2 s deadline took {elapsed:.1f} s"
    assert "delivery deadline of 2 s passed" in sent.error, sent.message()
    assert sent.accepted == 0 and sent.pending == 2
    assert len(rx.requests) == 1  # no retry after the deadline
    _no_secret(sent.message())
    for record in caplog.records:
        _no_secret(record.getMessage())


def test_credentials_in_the_url_are_sent_as_basic_auth_and_never_shown(caplog):
    caplog.set_level(logging.DEBUG)
    with Receiver([(503, 0)] * 3) as rx:
        url = rx.url.replace("http://", "http://hook-user:pa%3Ass%40word@")
        sent = post_alerts(url, ALERTS, retries=2, backoff=0.01)
    expected = "Basic " + base64.b64encode(b"hook-user:pa:ss@word").decode()
    assert [r["headers"].get("Authorization") for r in rx.requests] == [expected] * 3
    message = sent.message()
    assert "HTTP 503" in message
    for text in [message, *(r.getMessage() for r in caplog.records)]:
        _no_secret(text)
        assert "pa%3Ass" not in text and "pa:ss@word" not in text and "hook-user" not in text, text


def test_http_proxy_and_no_proxy_from_the_environment_are_honoured(monkeypatch):
    """A proxy-only network delivers through HTTP_PROXY (a real forward proxy here, which
    sees the absolute URL), and NO_PROXY sends a host direct, as curl and requests do."""
    with Receiver([]) as rx, Receiver([]) as proxy:
        monkeypatch.setenv("HTTP_PROXY", proxy.origin)
        sent = post_alerts(rx.url, ALERTS)
        assert sent.complete
        assert rx.requests == [] and len(proxy.requests) == 1
        assert proxy.requests[0]["path"] == rx.url  # a proxy request names the whole target URL
        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        assert post_alerts(rx.url, ALERTS).complete
        assert len(rx.requests) == 1 and len(proxy.requests) == 1


def _refuse(bad):
    return lambda alerts: 400 if any(a["alert_id"] in bad for a in alerts) else 200


def test_a_refused_batch_is_narrowed_down_to_the_alerts_refused():
    """One alert the receiver refuses (HTTP 400) used to hold back its whole batch and every
    batch after it, run after run: the batch is halved until that alert is alone, the rest
    is delivered (each accepted batch reported at once), and the refused one is returned."""
    many = [{"alert_id": f"AL-{i:03d}", "kind": "new_ring", "account_ids": [str(i)]} for i in range(150)]
    accepted = []
    with Receiver([], judge=_refuse({"AL-120"})) as rx:
        sent = post_alerts(rx.url, many, on_accepted=accepted.append)
    assert [(a["alert_id"], status) for a, status in sent.refused] == [("AL-120", 400)]
    assert sent.accepted == 149 and sent.pending == 0 and sent.error is None
    delivered = [a["alert_id"] for batch in accepted for a in batch]
    assert sorted(delivered) == sorted(a["alert_id"] for a in many if a["alert_id"] != "AL-120")
    assert len(delivered) == len(set(delivered)) == 149  # nothing sent twice
    assert len(accepted[0]) == 100  # the first batch went through whole
    assert len(rx.requests) <= 1 + 2 * 6 + 1, len(rx.requests)  # halving 50 down to one: a few requests
    assert "refused 1 alert(s) on their own (HTTP 400: AL-120)" in sent.message()
    assert "`ringscope alerts refused`" in sent.message() and "149 of 150 alert(s) delivered" in sent.message()


def test_a_receiver_that_refuses_everything_sets_nothing_aside():
    many = [{"alert_id": f"AL-{i:03d}", "kind": "new_ring", "account_ids": [str(i)]} for i in range(40)]
    with Receiver([], judge=lambda alerts: 422) as rx:
        sent = post_alerts(rx.url, many)
    assert sent.refused == [] and sent.accepted == 0 and sent.pending == 40
    assert f"refused each of {REFUSED_ALONE_MAX} alerts sent on their own (HTTP 422) and accepted none" in sent.error
    assert len(rx.requests) < 20, len(rx.requests)
