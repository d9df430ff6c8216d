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


ITEM_MENU = "crm_item_menu"
MAX_OVERFLOW = 5


def render_blocks(reply: Reply) -> list[dict[str, Any]]:
    blocks: list[dict[str, Any]] = []
    if reply.title:
        blocks.append({"type": "header", "text": {"type": "plain_text", "text": _clip(reply.title, MAX_HEADER)}})
    blocks.extend(_sections(escape(reply.text)))
    if reply.lines:
        body = "\n".join(f"• {escape(line)}" for line in reply.lines)
        blocks.extend(_sections(body))
    for item in reply.items:
        section: dict[str, Any] = {"type": "section", "text": {"type": "mrkdwn", "text": _clip(escape(item.text),
                                                                                                 MAX_SECTION)}}
        if item.actions:  # quick actions in an overflow menu: the menu's value names the action and its argument
            section["accessory"] = {"type": "overflow", "action_id": ITEM_MENU, "options": [
                _option(f"{a.action_id}|{a.value}", a.label) for a in item.actions[:MAX_OVERFLOW]]}
        blocks.append(section)
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


MAX_LABEL = 2000
MAX_HINT = 2000
MAX_PLACEHOLDER = 150
MAX_INPUT_VALUE = 3000
MAX_OPTIONS = 100
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150
MAX_BLOCK_ID = 255
MAX_VIEW_BLOCKS = 100
MAX_METADATA = 3000
MAX_FIELD_ERROR = 2000  # not documented by Slack; long errors are clipped rather than refused


def _plain(text: str, limit: int) -> dict[str, str]:
    return {"type": "plain_text", "text": _clip(text, limit)}


def _option(value: str, label: str) -> dict[str, Any]:
    return {"text": _plain(label, MAX_OPTION_TEXT), "value": value[:MAX_OPTION_VALUE]}


def _element(f: dict[str, Any]) -> dict[str, Any]:
    kind = f.get("kind", "text")
    element: dict[str, Any]
    if kind == "user":
        element = {"type": "users_select", "action_id": f.get("action_id", "value")}
    elif kind == "select":
        options = [_option(value, label) for value, label in f["options"][:MAX_OPTIONS]]
        element = {"type": "static_select", "action_id": f.get("action_id", "value"), "options": options}
        chosen = next((o for o in options if f.get("initial") is not None and o["value"] == f["initial"]), None)
        if chosen is not None:  # Slack refuses an initial_option that is not exactly one of the options
            element["initial_option"] = chosen
    else:
        element = {"type": "plain_text_input", "action_id": f.get("action_id", "value")}
        if kind == "multiline":
            element["multiline"] = True
        if f.get("initial"):
            element["initial_value"] = _clip(f["initial"], MAX_INPUT_VALUE)
        if f.get("dispatch"):
            element["dispatch_action_config"] = {"trigger_actions_on": ["on_enter_pressed"]}
    if f.get("placeholder"):
        element["placeholder"] = _plain(f["placeholder"], MAX_PLACEHOLDER)
    return element


def modal(*, callback_id: str, title: str, submit: str, close: str, fields: list[dict[str, Any]],
          private_metadata: dict[str, Any]) -> dict[str, Any]:
    """A modal of input blocks. Each field: ``id`` (the block_id), ``label``, ``optional``, ``initial``,
    and optionally ``kind`` (text | multiline | select), ``options`` (``(value, label)`` pairs for a
    select), ``action_id`` (default ``value``), ``hint``, ``placeholder``, ``dispatch`` (the input sends
    block_actions while the modal is open: a select on change, a text input on Enter)."""
    blocks = []
    for f in fields:
        block: dict[str, Any] = {"type": "input", "block_id": f["id"][:MAX_BLOCK_ID], "optional": bool(f.get("optional")),
                                 "label": _plain(f["label"], MAX_LABEL), "element": _element(f)}
        if f.get("dispatch"):
            block["dispatch_action"] = True
        if f.get("hint"):
            block["hint"] = _plain(f["hint"], MAX_HINT)
        blocks.append(block)
    return {"type": "modal", "callback_id": callback_id,
            "title": _plain(title, MAX_MODAL_TITLE), "submit": _plain(submit, MAX_MODAL_TITLE),
            "close": _plain(close, MAX_MODAL_TITLE),
            "private_metadata": json.dumps(private_metadata)[:MAX_METADATA], "blocks": blocks[:MAX_VIEW_BLOCKS]}


def view_errors(errors: dict[str, str]) -> dict[str, Any]:
    """The ``response_action: errors`` answer to a view_submission; ``errors`` maps block_id → message."""
    return {"response_action": "errors",
            "errors": {block[:MAX_BLOCK_ID]: _clip(text, MAX_FIELD_ERROR) for block, text in errors.items() if text}}
