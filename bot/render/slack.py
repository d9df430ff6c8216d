"""Block Kit from Replies, within Slack's limits (checked here, in one place)."""

from __future__ import annotations

import json
from typing import Any

from bot.messages import Reply

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_HEADER = 150
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_ACTIONS = 25
MAX_MODAL_TITLE = 24
MAX_CONTEXT = 2000


def escape(text: str) -> str:
    """Slack mrkdwn control characters: only &, < and > need escaping."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _sections(text: str) -> list[dict[str, Any]]:
    blocks = []
    while text:
        chunk, text = text[:MAX_SECTION], text[MAX_SECTION:]
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": chunk}})
    return blocks


def render_blocks(reply: Reply) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    if reply.title:
        blocks.append({"type": "header", "text": {"type": "plain_text", "text": _clip(reply.title, MAX_HEADER)}})
    blocks.extend(_sections(escape(reply.text)))
    if reply.lines:
        body = "\n".join(f"• {escape(line)}" for line in reply.lines)
        blocks.extend(_sections(body))
    if reply.context:
        blocks.append({"type": "context",
                       "elements": [{"type": "mrkdwn", "text": _clip(escape(reply.context), MAX_CONTEXT)}]})
    if reply.actions:
        buttons = []
        for action in reply.actions[:MAX_ACTIONS]:
            button: dict[str, Any] = {"type": "button", "action_id": action.action_id,
                                      "text": {"type": "plain_text", "text": _clip(action.label, MAX_BUTTON_TEXT)},
                                      "value": action.value[:MAX_BUTTON_VALUE]}
            if action.style:
                button["style"] = action.style
            buttons.append(button)
        blocks.append({"type": "actions", "elements": buttons})
    if len(blocks) > MAX_BLOCKS:
        blocks = blocks[: MAX_BLOCKS - 1] + [{"type": "context", "elements": [{"type": "mrkdwn", "text": "…"}]}]
    return blocks


def render_message(reply: Reply) -> dict[str, Any]:
    """``text`` (the notification fallback) plus ``blocks``."""
    return {"text": _clip(reply.plain(), 3900), "blocks": render_blocks(reply)}


def modal(*, callback_id: str, title: str, submit: str, close: str, fields: list[dict[str, Any]],
          private_metadata: dict[str, Any]) -> dict[str, Any]:
    """A modal with plain-text inputs; each field: ``id``, ``label``, ``optional``, ``initial``."""
    blocks = []
    for f in fields:
        element: dict[str, Any] = {"type": "plain_text_input", "action_id": "value"}
        if f.get("initial"):
            element["initial_value"] = f["initial"]
        blocks.append({"type": "input", "block_id": f["id"], "optional": bool(f.get("optional")),
                       "label": {"type": "plain_text", "text": _clip(f["label"], 2000)}, "element": element})
    return {"type": "modal", "callback_id": callback_id,
            "title": {"type": "plain_text", "text": _clip(title, MAX_MODAL_TITLE)},
            "submit": {"type": "plain_text", "text": _clip(submit, MAX_MODAL_TITLE)},
            "close": {"type": "plain_text", "text": _clip(close, MAX_MODAL_TITLE)},
            "private_metadata": json.dumps(private_metadata)[:3000], "blocks": blocks[:100]}
