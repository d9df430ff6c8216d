"""Plain text for the console and for notification fallbacks."""

from __future__ import annotations

from bot.messages import Reply


def render_text(reply: Reply) -> str:
    return reply.plain()
