"""A local fake of the Slack Web API (and of ``response_url`` hooks) for platform tests.

It listens on 127.0.0.1 on a free port, records every call (method, parsed body, headers) and answers
the methods the bot uses with the shapes Slack documents. Tests can script failures: the next N calls
of a method answer 429 with ``Retry-After``, HTTP 500, or an ``{"ok": false, "error": ...}``; or a call
is carried out but its answer held back (``hold_next``), as when Slack posted and the caller then died.

Posted messages are kept per channel with their metadata, so ``conversations.history`` (newest first,
``oldest``/``latest``/``limit``/``cursor``, metadata only with ``include_all_metadata``) can find them.
A DM posted to a user id lands in the channel ``conversations.open`` gives for that user (``D`` + id).
Message ``ts`` values count up from 1700000000 unless ``use_clock`` ties them to a clock.

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
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

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
    at: float = field(default_factory=time.monotonic)  # when the fake carried the call out

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
    hold: float = 0.0               # answer normally, but only this long after carrying the call out


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
        self._ts_clock: Callable[[], float] | None = None
        self._last_ts = 0.0
        self._history: dict[str, list[dict[str, Any]]] = {}  # channel → messages, oldest first
        self._channel_failures: dict[str, _Scripted] = {}     # channel → how chat.postMessage fails there
        self._unhold = threading.Event()
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
                query = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))  # GET methods
                status, body, headers = fake._answer(method, {**query, **_parse(raw, self.headers.get("Content-Type"))},
                                                     {k: v for k, v in self.headers.items()})
                data = (body if isinstance(body, str) else json.dumps(body)).encode("utf-8")
                try:
                    self.send_response(status)
                    for key, value in headers.items():
                        self.send_header(key, value)
                    ctype = "text/plain" if isinstance(body, str) else "application/json"
                    self.send_header("Content-Type", f"{ctype}; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the caller died while we held the answer
                    self.close_connection = True

            do_GET = do_POST

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._port = self._server.server_address[1]
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02},
                                        name="fake-slack", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._unhold.set()  # held answers go out now
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

    def hold_next(self, method: str, seconds: float, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` are carried out (a message is posted, the call recorded)
        but answered only ``seconds`` later, or at ``stop()``: the caller's outcome is unknown meanwhile."""
        self._push(method, times, _Scripted(None, hold=seconds))

    def fail_channel(self, channel: str, *, error: str | None = None, status: int = 500) -> None:
        """Every chat.postMessage to ``channel`` fails from now on: ``{"ok": false, "error": error}`` when
        ``error`` is given, else HTTP ``status`` with a non-JSON body (an outage of that channel's shard)."""
        with self._lock:
            self._channel_failures[channel] = (_Scripted(200, {"ok": False, "error": error}) if error
                                               else _Scripted(status, "Internal Server Error"))

    def use_clock(self, now: Callable[[], float]) -> None:
        """Message ``ts`` values from ``now()`` (epoch seconds, kept increasing), as Slack's are real
        times; ``conversations.history``'s ``oldest`` is compared with them."""
        with self._lock:
            self._ts_clock = now

    def seed_message(self, channel: str, text: str = "", *, metadata: dict[str, Any] | None = None,
                     ts: str | None = None) -> str:
        """A message already in ``channel``'s history (not a recorded call); returns its ts."""
        ts = ts or self._next_ts()
        self._store(channel, {"type": "message", "text": text, "ts": ts, "bot_id": "BBOT",
                              **({"metadata": metadata} if metadata else {})})
        return ts

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

    def history(self, channel: str) -> list[dict[str, Any]]:
        """The messages in ``channel`` (a user id means the app's DM with them), oldest first."""
        with self._lock:
            return [dict(m) for m in self._history.get(_dm_channel(channel), [])]

    def posts_per_dedupe_key(self) -> Counter[str]:
        """How many accepted chat.postMessage calls carried each metadata dedupe key."""
        counts: Counter[str] = Counter()
        for call in self.calls_to("chat.postMessage"):
            if call.ok:
                counts[str(((_metadata(call.body) or {}).get("event_payload") or {}).get("dedupe_key"))] += 1
        return counts

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()
            self._script.clear()
            self._history.clear()
            self._channel_failures.clear()

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
        if scripted is not None and scripted.hold:
            self._unhold.wait(scripted.hold)
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
        if method == "chat.postMessage":
            with self._lock:
                failure = self._channel_failures.get(str(body.get("channel") or ""))
            if failure is not None:
                return failure.status or 500, failure.body, failure.headers
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
            if self._ts_clock is not None:
                self._last_ts = max(self._ts_clock(), self._last_ts + 0.000001)
                return f"{self._last_ts:.6f}"
            self._ts += 1
            return f"{FIRST_TS}.{self._ts * 100:06d}"

    def _store(self, channel: str, message: dict[str, Any]) -> None:
        with self._lock:
            self._history.setdefault(_dm_channel(channel), []).append(message)

    def _m_auth_test(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"url": "https://fake.slack.com/", "team": "Fake", "user": "crm-bot", "team_id": self.team_id,
                "user_id": "UBOT", "bot_id": "BBOT", "is_enterprise_install": False}

    def _m_chat_postMessage(self, body: dict[str, Any]) -> dict[str, Any]:
        ts = self._next_ts()
        message = {"type": "message", "text": body.get("text", ""), "ts": ts, "bot_id": "BBOT"}
        metadata = _metadata(body)
        self._store(body["channel"], {**message, **({"metadata": metadata} if metadata else {})})
        return {"channel": body["channel"], "ts": ts, "message": message}

    def _m_conversations_open(self, body: dict[str, Any]) -> dict[str, Any]:
        users = str(body.get("users") or "")
        if not users or "," in users:
            return {"ok": False, "error": "users_list_not_supplied" if not users else "not_supported"}
        return {"channel": {"id": _dm_channel(users)}}

    def _m_conversations_history(self, body: dict[str, Any]) -> dict[str, Any]:
        channel = str(body.get("channel") or "")
        with self._lock:
            if channel not in self._history and not channel.startswith(("C", "D", "G")):
                return {"ok": False, "error": "channel_not_found"}
            stored = list(self._history.get(channel, []))
        oldest, latest = float(body.get("oldest") or 0), float(body.get("latest") or "inf")
        with_metadata = str(body.get("include_all_metadata") or "").lower() in ("1", "true")
        found = [m for m in reversed(stored) if oldest <= float(m["ts"]) <= latest]  # newest first
        start = int(body.get("cursor") or 0)
        limit = min(int(body.get("limit") or 100), 999)
        page = [m if with_metadata else {k: v for k, v in m.items() if k != "metadata"}
                for m in found[start:start + limit]]
        more = start + limit < len(found)
        return {"messages": page, "has_more": more, "pin_count": 0,
                "response_metadata": {"next_cursor": str(start + limit) if more else ""}}

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


def _dm_channel(channel: str) -> str:
    """A user id (U…/W…) names the app's DM channel with that user."""
    return "D" + channel if channel[:1] in ("U", "W") else channel


def _metadata(body: dict[str, Any]) -> dict[str, Any] | None:
    metadata = body.get("metadata")
    if isinstance(metadata, str):  # form-encoded calls send it as a JSON string
        metadata = json.loads(metadata) if metadata else None
    return metadata if isinstance(metadata, dict) else None


def _matches(call: Call, method: str) -> bool:
    return call.method == method or (method.endswith("/") and call.method.startswith(method))
