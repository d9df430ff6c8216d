"""The outbox's Slack sender: ``chat.postMessage`` with the dedupe key in the message metadata, and the
reconcile step that looks that key up in the channel history when an earlier attempt's outcome is unknown.

The outbox owns retries (RELIABILITY.md §2, §7.4): the WebClient is built with ``retry_handlers=[]``,
because slack_sdk's default connection-reset retry can post a message Slack already accepted.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.delivery import RateLimited, SendOutcome
from bot.messages import Reply
from bot.render.slack import render_message

log = logging.getLogger(__name__)

PLATFORM = "slack"
EVENT_TYPE = "crm_notice"
PERMANENT_ERRORS = {"channel_not_found", "not_in_channel", "is_archived", "invalid_auth", "token_revoked",
                    "account_inactive", "msg_too_long", "invalid_blocks", "no_text", "not_authed",
                    "missing_scope", "restricted_action"}
# History errors after which looking is pointless: the row falls back to at-least-once (post again).
CANNOT_LOOK = {"missing_scope", "not_in_channel", "channel_not_found", "not_authed", "invalid_auth",
               "token_revoked", "account_inactive", "is_archived", "user_not_found", "cannot_dm_bot"}
HISTORY_PAGE = 200
HISTORY_PAGES = 20  # 4,000 messages in the reconcile window before we give up looking
TIMEOUT = 15        # seconds per Web API call; a timeout is an unknown outcome, reconciled later


class SlackSender:
    """Posts outbox messages with chat.postMessage; the outbox, not the SDK, owns retries."""

    platform = PLATFORM
    min_interval = 1.0  # "one message per second per channel" (Slack rate limits)

    def __init__(self, token: str, base_url: str, *, timeout: int = TIMEOUT) -> None:
        self.client = WebClient(token=token, base_url=base_url, retry_handlers=[], timeout=timeout)
        self._dm: dict[str, str] = {}  # user id → the app's DM channel with them

    def send(self, target: str, reply: Reply, dedupe_key: str) -> SendOutcome:
        try:
            resp = self.client.chat_postMessage(
                channel=target, **render_message(reply),
                metadata={"event_type": EVENT_TYPE, "event_payload": {"dedupe_key": dedupe_key}})
        except SlackApiError as exc:
            status = exc.response.status_code
            error = str(exc.response.get("error") or f"http_{status}")
            if status == 429:  # refused before posting: nothing is in doubt
                return SendOutcome("retry", error="ratelimited", retry_after=_retry_after(exc.response.headers),
                                   in_doubt=False)
            if error in PERMANENT_ERRORS:
                return SendOutcome("dead", error=error)
            return SendOutcome("retry", error=error)  # a 5xx may come after Slack posted: in doubt
        return SendOutcome("sent", message_id=str(resp.get("ts")))

    def reconcile(self, target: str, dedupe_key: str, since: datetime) -> str | None:
        """The ``ts`` of a message we posted to ``target`` since ``since`` carrying ``dedupe_key`` in its
        metadata, or None. Raises RateLimited on 429 and SlackApiError/OSError when the history cannot be
        read now (the row stays in doubt and is retried, never posted blind)."""
        try:
            channel = self._history_channel(target)
            cursor: str | None = None
            for _ in range(HISTORY_PAGES):
                resp = self.client.conversations_history(channel=channel, oldest=f"{since.timestamp():.6f}",
                                                         include_all_metadata=True, limit=HISTORY_PAGE,
                                                         cursor=cursor)
                for message in resp.get("messages") or []:
                    payload = (message.get("metadata") or {}).get("event_payload") or {}
                    if payload.get("dedupe_key") == dedupe_key:
                        return str(message.get("ts"))
                cursor = (resp.get("response_metadata") or {}).get("next_cursor") or None
                if not resp.get("has_more") or not cursor:
                    return None
            log.warning("reconcile %s in %s: not in the last %d messages; sending again", dedupe_key, target,
                        HISTORY_PAGE * HISTORY_PAGES)
            return None
        except SlackApiError as exc:
            if exc.response.status_code == 429:
                raise RateLimited(_retry_after(exc.response.headers)) from exc
            error = str(exc.response.get("error") or "")
            if error in CANNOT_LOOK:
                log.warning("reconcile %s in %s: cannot read the history (%s); sending again may duplicate",
                            dedupe_key, target, error)
                return None
            raise

    def _history_channel(self, target: str) -> str:
        """A DM is posted to the user id, but its history lives in the app's DM channel (D…)."""
        if target[:1] not in ("U", "W"):
            return target
        if target not in self._dm:
            self._dm[target] = str(self.client.conversations_open(users=target)["channel"]["id"])
        return self._dm[target]


def _retry_after(headers: dict[str, Any]) -> float:
    """Seconds from a 429's Retry-After (any header case); 1 s when absent or unreadable."""
    for key, value in (headers or {}).items():
        if key.lower() == "retry-after":
            value = value[0] if isinstance(value, list | tuple) else value
            try:
                return max(float(value), 0.0)
            except (TypeError, ValueError):
                return 1.0
    return 1.0
