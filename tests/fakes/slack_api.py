"""A local fake of the Slack Web API (and of ``response_url`` hooks) for platform tests.

It listens on 127.0.0.1 on a free port, records every call (method, parsed body, headers) and answers
the methods the bot uses with the shapes Slack documents. Tests can script failures: the next N calls
of a method answer 429 with ``Retry-After``, HTTP 500, or an ``{"ok": false, "error": ...}``.

    fake = FakeSlackAPI().start()
    client = WebClient(token="xoxb-test", base_url=fake.base_url)
    ...
    fake.wait_for("chat.postMessage")   # delivery runs on bolt's worker thread
    fake.stop()
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
FIRST_TS = 1_700_000_000


@dataclass(frozen=True)
class Call:
    method: str                 # "chat.postMessage", or "hooks/…" for response_url posts
    body: dict[str, Any]
    headers: dict[str, str]
    status: int = 200           # what the fake answered
    response: dict[str, Any] | str = ""

    @property
    def ok(self) -> bool:
        return self.status == 200 and (self.response == "ok" or
                                       (isinstance(self.response, dict) and self.response.get("ok") is True))


@dataclass
class _Scripted:
    status: int | None              # None: the normal answer (after ``delay``)
    body: dict[str, Any] | str = ""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class FakeSlackAPI:
    """A thread-safe fake Slack Web API on a ``ThreadingHTTPServer``."""

    def __init__(self, users: dict[str, str] | None = None, *, team_id: str = "T1") -> None:
        self.team_id = team_id
        self._users: dict[str, str] = dict(users or {})
        self._calls: list[Call] = []
        self._script: dict[str, deque[_Scripted]] = {}
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._ts = 0
        self._server: ThreadingHTTPServer | None = None
        self._port: int | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> FakeSlackAPI:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode("utf-8")
                method = self.path.lstrip("/").split("?")[0]
                status, body, headers = fake._answer(method, _parse(raw, self.headers.get("Content-Type")),
                                                     {k: v for k, v in self.headers.items()})
                data = (body if isinstance(body, str) else json.dumps(body)).encode("utf-8")
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                ctype = "text/plain" if isinstance(body, str) else "application/json"
                self.send_header("Content-Type", f"{ctype}; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._port = self._server.server_address[1]
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        name="fake-slack", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeSlackAPI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>/``; still the old address after ``stop()`` (nothing answers there)."""
        assert self._port is not None, "start() the fake first"
        return f"http://127.0.0.1:{self._port}/"

    # -- configuration ---------------------------------------------------------------------------

    def set_user(self, user_id: str, display_name: str) -> None:
        with self._lock:
            self._users[user_id] = display_name

    def fail_next(self, method: str, times: int = 1, *, status: int = 429, retry_after: int | None = 0) -> None:
        """The next ``times`` calls of ``method`` fail at the HTTP level: 429 ``ratelimited`` with
        ``Retry-After`` (an integer, as Slack sends it; None leaves it out), or ``status`` (e.g. 500)
        with a non-JSON body, as a load balancer would send it."""
        if status == 429:
            headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
            self._push(method, times, _Scripted(429, {"ok": False, "error": "ratelimited"}, headers))
        else:
            self._push(method, times, _Scripted(status, "Internal Server Error"))

    def error_next(self, method: str, error: str, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` answer HTTP 200 ``{"ok": false, "error": error}``."""
        self._push(method, times, _Scripted(200, {"ok": False, "error": error}))

    def delay_next(self, method: str, seconds: float, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` answer normally, but only after ``seconds``."""
        self._push(method, times, _Scripted(None, delay=seconds))

    def _push(self, method: str, times: int, scripted: _Scripted) -> None:
        with self._lock:
            self._script.setdefault(method, deque()).extend(scripted for _ in range(times))

    # -- inspection ------------------------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str) -> list[Call]:
        return [c for c in self.calls if _matches(c, method)]

    def wait_for(self, method: str, count: int = 1, timeout: float = 5) -> list[Call]:
        """Wait until ``method`` was called at least ``count`` times; returns those calls.
        A ``method`` ending in "/" (e.g. "hooks/") matches every path under it."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [c for c in self._calls if _matches(c, method)]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    seen = [c.method for c in self._calls]
                    raise AssertionError(f"{method} called {len(found)}x, expected {count} within {timeout}s; "
                                         f"calls: {seen}")
                self._changed.wait(left)

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()
            self._script.clear()

    # -- the API ---------------------------------------------------------------------------------

    def _answer(self, method: str, body: dict[str, Any],
                headers: dict[str, str]) -> tuple[int, dict[str, Any] | str, dict[str, str]]:
        with self._lock:
            queue = self._script.get(method)
            scripted = queue.popleft() if queue else None
        if scripted is not None and scripted.delay:
            time.sleep(scripted.delay)
        status, answer, extra = self._respond(method, body, headers, scripted)
        with self._changed:
            self._calls.append(Call(method, body, headers, status, answer))
            self._changed.notify_all()
        return status, answer, extra

    def _respond(self, method: str, body: dict[str, Any], headers: dict[str, str],
                 scripted: _Scripted | None) -> tuple[int, dict[str, Any] | str, dict[str, str]]:
        if method.startswith("hooks/"):  # response_url: no token, plain "ok"
            return 200, "ok", {}
        auth = headers.get("Authorization") or headers.get("authorization") or ""
        if not auth.startswith("Bearer xox"):
            return 200, {"ok": False, "error": "not_authed"}, {}
        if scripted is not None and scripted.status is not None:
            return scripted.status, scripted.body, scripted.headers
        blocks = body.get("blocks")
        if isinstance(blocks, str):  # form-encoded calls send blocks as a JSON string
            blocks = json.loads(blocks)
        if method in ("chat.postMessage", "chat.postEphemeral", "chat.update") \
                and len(blocks or []) > MAX_MESSAGE_BLOCKS:
            return 200, {"ok": False, "error": "invalid_blocks",
                         "errors": [f"no more than {MAX_MESSAGE_BLOCKS} items allowed [json-pointer:/blocks]"]}, {}
        if method in ("chat.postMessage", "chat.postEphemeral") and not body.get("channel"):
            return 200, {"ok": False, "error": "channel_not_found"}, {}
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            return 200, {"ok": False, "error": "unknown_method"}, {}
        return 200, {"ok": True, **handler(body)}, {}

    def _next_ts(self) -> str:
        with self._lock:
            self._ts += 1
            return f"{FIRST_TS}.{self._ts * 100:06d}"

    def _m_auth_test(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"url": "https://fake.slack.com/", "team": "Fake", "user": "crm-bot", "team_id": self.team_id,
                "user_id": "UBOT", "bot_id": "BBOT", "is_enterprise_install": False}

    def _m_chat_postMessage(self, body: dict[str, Any]) -> dict[str, Any]:
        ts = self._next_ts()
        return {"channel": body["channel"], "ts": ts,
                "message": {"type": "message", "text": body.get("text", ""), "ts": ts, "bot_id": "BBOT"}}

    def _m_chat_postEphemeral(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"message_ts": self._next_ts()}

    def _m_views_open(self, body: dict[str, Any]) -> dict[str, Any]:
        view = body.get("view") or {}
        if isinstance(view, str):
            view = json.loads(view)
        if not body.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        if len(view.get("blocks") or []) > MAX_VIEW_BLOCKS:
            return {"ok": False, "error": "invalid_blocks"}
        return {"view": {"id": "V1", "team_id": self.team_id, **view}}

    def _m_views_update(self, body: dict[str, Any]) -> dict[str, Any]:
        view = body.get("view") or {}
        if isinstance(view, str):
            view = json.loads(view)
        view_id = body.get("view_id") or body.get("external_id")
        if not view_id:
            return {"ok": False, "error": "missing_view_id"}
        if len(view.get("blocks") or []) > MAX_VIEW_BLOCKS:
            return {"ok": False, "error": "invalid_blocks"}
        return {"view": {"id": view_id, "team_id": self.team_id, **view, "hash": f"{self._next_ts()}.hash"}}

    def _m_users_info(self, body: dict[str, Any]) -> dict[str, Any]:
        user = body.get("user") or ""
        with self._lock:
            display = self._users.get(user, "")
        return {"user": {"id": user, "team_id": self.team_id, "name": user.lower(), "real_name": "",
                         "tz": "Asia/Shanghai", "profile": {"display_name": display, "real_name": ""}}}


def _parse(raw: str, content_type: str | None) -> dict[str, Any]:
    if not raw:
        return {}
    if raw.lstrip().startswith("{") or "json" in (content_type or ""):
        return json.loads(raw)
    return dict(parse_qsl(raw, keep_blank_values=True))


def _matches(call: Call, method: str) -> bool:
    return call.method == method or (method.endswith("/") and call.method.startswith(method))
