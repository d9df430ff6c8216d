"""The console: the same commands in a terminal, for trying the bot without a chat platform.

Interactive (a prompt with a short tour), one command (``-c``), or one command per line on standard
input; ``--json`` prints each result as one JSON object per line.
"""

from __future__ import annotations

import json
import logging
import sys
import uuid
from typing import TextIO

from bot.bootstrap import Container
from bot.commands import parse_command
from bot.delivery import ConsoleSender
from bot.i18n import t
from bot.messages import Result
from bot.present import present
from bot.render.text import render_text
from bot.service import Actor

log = logging.getLogger(__name__)

TENANT = "local"
PLATFORM = "console"
CRM_PREFIX = "/crm"
EXIT_WORDS = {"exit", "quit", "q", "退出"}


def result_json(result: Result) -> dict:
    """The documented --json shape: ok, kind, message, matches (and usage/field on errors)."""
    out = {"ok": result.ok, "kind": result.kind, "message": render_text(present(result)),
           "matches": [m.to_json() for m in result.matches]}
    if result.data.get("usage"):
        out["usage"] = result.data["usage"]
    if result.data.get("field"):
        out["field"] = result.data["field"]
    extra = {k: v for k, v in result.data.items() if k not in ("usage", "field")}
    if extra:
        out["data"] = extra
    return out


class Console:
    def __init__(self, container: Container, user: str, *, as_json: bool = False,
                 out: TextIO = sys.stdout) -> None:
        self.c = container
        self.actor = Actor(TENANT, PLATFORM, user)
        self.as_json = as_json
        self.out = out
        me = self.c.service.member(self.actor)
        self.locale = me.locale
        self.user_label = f"{me.display_name} ({me.user_id})"
        self.c.senders[PLATFORM] = ConsoleSender(out, me.locale, as_json)

    def run_line(self, line: str) -> Result | None:
        text = line.strip()
        if not text or text.startswith("#"):
            return None
        if text.lower().startswith(CRM_PREFIX):
            text = text[len(CRM_PREFIX):]
        try:
            result = self.c.service.execute(self.actor, parse_command(text))
        except Exception:  # the one error mapper of the console: a message with a reference, never a trace
            ref = uuid.uuid4().hex[:8]
            log.exception("console command failed (ref %s)", ref)
            result = Result(False, "error", "error.internal", {"ref": ref}, locale=self.locale)
        if self.as_json:
            print(json.dumps(result_json(result), ensure_ascii=False, default=str), file=self.out, flush=True)
        else:
            print(render_text(present(result)), file=self.out, flush=True)
        self.c.deliverer.run_once()
        return result

    def run_lines(self, lines) -> bool:
        """Run each line; True when every command succeeded."""
        ok = True
        for line in lines:
            result = self.run_line(line)
            if result is not None and not result.ok:
                ok = False
        return ok

    def interactive(self) -> None:
        try:
            import readline  # noqa: F401  (line editing and history at the prompt)
        except ImportError:
            pass
        print(t(self.locale, "console.tour", db=self.c.settings.database_url, user=self.user_label), file=self.out)
        while True:
            try:
                line = input("crm> ")
            except (EOFError, KeyboardInterrupt):
                print(file=self.out)
                return
            if line.strip().lower() in EXIT_WORDS:
                return
            self.run_line(line)
