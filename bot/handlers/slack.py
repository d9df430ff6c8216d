"""Slack: slash commands, the register modal and its buttons, through the real slack-bolt App.

Handlers translate: a signed request becomes a command and an Actor, the service decides, the
reply is rendered as Block Kit. The Web API base URL comes from settings (tests use a local fake).
"""

from __future__ import annotations

import json
import logging
import threading
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

import slack_bolt.request.request as _bolt_request
from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.bootstrap import Container
from bot.commands import OpenForm, Register, UsageError, parse_command
from bot.delivery import SendOutcome
from bot.i18n import t
from bot.messages import Reply
from bot.present import present
from bot.render.slack import modal, render_message
from bot.service import Actor

log = logging.getLogger(__name__)

PLATFORM = "slack"
COMMAND = "/crm"
REGISTER_VIEW = "crm_register"
REGISTER_FIELDS = ("name", "phone", "email", "credit_code", "industry", "region", "contact", "alias")
PERMANENT_ERRORS = {"channel_not_found", "not_in_channel", "is_archived", "invalid_auth", "token_revoked",
                    "account_inactive", "msg_too_long", "invalid_blocks", "no_text", "not_authed",
                    "missing_scope", "restricted_action"}


def _patch_bolt_parse_body() -> None:
    """slack-bolt treats any form body containing the substring 'payload' as an interaction
    (PLATFORMS.md §1), so '/crm register Payload Inc' would be lost. Parse form bodies properly."""
    if getattr(_bolt_request.parse_body, "_crm_patched", False):
        return
    original = _bolt_request.parse_body

    def parse_body(body: str, content_type: str | None) -> dict[str, Any]:
        if body and not body.startswith("{") and content_type != "application/json":
            params = dict(parse_qsl(body, keep_blank_values=True))
            return json.loads(params["payload"]) if "payload" in params else params
        return original(body, content_type)

    parse_body._crm_patched = True  # type: ignore[attr-defined]
    _bolt_request.parse_body = parse_body


def tenant_of(body: dict[str, Any]) -> str:
    team = body.get("team_id") or (body.get("team") or {}).get("id") or (body.get("user") or {}).get("team_id")
    return f"slack:{team or 'unknown'}"


class SlackSender:
    """Posts outbox messages with chat.postMessage; the outbox, not the SDK, owns retries."""

    platform = PLATFORM

    def __init__(self, token: str, base_url: str) -> None:
        self.client = WebClient(token=token, base_url=base_url, retry_handlers=[])

    def send(self, target: str, reply: Reply, dedupe_key: str) -> SendOutcome:
        try:
            resp = self.client.chat_postMessage(
                channel=target, **render_message(reply),
                metadata={"event_type": "crm_notice", "event_payload": {"dedupe_key": dedupe_key}})
        except SlackApiError as exc:
            status = exc.response.status_code
            error = str(exc.response.get("error") or f"http_{status}")
            if status == 429:
                return SendOutcome("retry", error="ratelimited",
                                   retry_after=float(exc.response.headers.get("Retry-After", 1) or 1))
            if error in PERMANENT_ERRORS:
                return SendOutcome("dead", error=error)
            return SendOutcome("retry", error=error)
        return SendOutcome("sent", message_id=str(resp.get("ts")))


class SlackDeps:
    def __init__(self, container: Container) -> None:
        self.c = container
        self._names: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    def actor(self, body: dict[str, Any], client: WebClient) -> Actor:
        user = body.get("user_id") or (body.get("user") or {}).get("id")
        tenant = tenant_of(body)
        key = (tenant, user)
        with self._lock:
            name = self._names.get(key)
        if name is None:
            name = body.get("user_name") or (body.get("user") or {}).get("name") or user
            try:
                info = client.users_info(user=user)
                profile = info["user"].get("profile") or {}
                name = (profile.get("display_name") or profile.get("real_name") or info["user"].get("real_name")
                        or info["user"].get("name") or name)
            except SlackApiError:
                log.warning("users.info failed for %s; using %s", user, name)
            with self._lock:
                self._names[key] = name
        return Actor(tenant, PLATFORM, user, name)

    def deliver(self) -> None:
        try:
            self.c.deliverer.run_once()
        except Exception:
            log.exception("outbox delivery after a command failed; the background deliverer will retry")
        self.c.deliverer.kick()


def _internal_error(locale: str) -> tuple[str, str]:
    ref = uuid.uuid4().hex[:8]
    return ref, t(locale, "error.internal", ref=ref)


def _register_modal(container: Container, locale: str, channel_id: str | None, initial_name: str = "") -> dict:
    fields = [{"id": f, "label": t(locale, f"form.field.{f}"), "optional": f != "name",
               "initial": initial_name if f == "name" else None} for f in REGISTER_FIELDS]
    return modal(callback_id=REGISTER_VIEW, title=t(locale, "form.register.title"),
                 submit=t(locale, "form.submit"), close=t(locale, "form.cancel"), fields=fields,
                 private_metadata={"channel_id": channel_id})


def register(app: App, deps: SlackDeps) -> None:
    """The /crm command family: the command, the register modal and the buttons on replies."""
    service = deps.c.service

    default_locale = deps.c.policy.team(deps.c.policy.default_team).locale

    def guarded(ack: Ack, work: Callable[[], None], *, in_view: bool = False) -> None:
        """The one error mapper: a failure becomes a catalog message with a reference, never a trace."""
        try:
            work()
        except Exception:
            ref, text = _internal_error(default_locale)
            log.exception("slack listener failed (ref %s)", ref)
            if in_view:
                ack(response_action="errors", errors={"name": text})
            else:
                ack(text=text, response_type="ephemeral")

    @app.command(COMMAND)
    def on_command(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        def work() -> None:
            actor = deps.actor(body, client)
            me = service.member(actor)
            command = parse_command(body.get("text") or "")
            if isinstance(command, OpenForm):
                ack()
                client.views_open(trigger_id=body["trigger_id"],
                                  view=_register_modal(deps.c, me.locale, body.get("channel_id")))
                return
            result = service.execute(actor, command)
            ack(response_type="ephemeral", **render_message(present(result)))
            if result.ok:
                deps.deliver()

        guarded(ack, work)

    @app.action("crm_register_open")
    def on_register_button(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        actor = deps.actor(body, client)
        me = service.member(actor)
        value = (body.get("actions") or [{}])[0].get("value") or ""
        channel = (body.get("channel") or {}).get("id")
        client.views_open(trigger_id=body["trigger_id"], view=_register_modal(deps.c, me.locale, channel, value))

    @app.view(REGISTER_VIEW)
    def on_register_submit(ack: Ack, body: dict[str, Any], client: WebClient, view: dict[str, Any]) -> None:
        def work() -> None:
            actor = deps.actor(body, client)
            values = {block_id: (state.get("value") or {}).get("value")
                      for block_id, state in view["state"]["values"].items()}
            command = _register_from_form(values)
            result = service.execute(actor, command)
            if not result.ok:
                reply = present(result)
                block = result.data.get("field") if result.data.get("field") in REGISTER_FIELDS else "name"
                message = "\n".join(p for p in (reply.text, reply.context) if p)
                ack(response_action="errors", errors={block: message[:2000]})
                return
            ack()
            metadata = json.loads(view.get("private_metadata") or "{}")
            message = render_message(present(result))
            channel = metadata.get("channel_id")
            try:
                if channel:
                    client.chat_postEphemeral(channel=channel, user=actor.user_id, **message)
                else:
                    client.chat_postMessage(channel=actor.user_id, **message)
            except SlackApiError:
                client.chat_postMessage(channel=actor.user_id, **message)
            deps.deliver()

        guarded(ack, work, in_view=True)


def _register_from_form(values: dict[str, str | None]) -> Register | UsageError:
    name = (values.get("name") or "").strip()
    if not name:
        return UsageError("missing_name", "register")
    aliases = tuple(a.strip() for a in (values.get("alias") or "").replace("，", ",").split(",") if a.strip())
    fields = {k: (values.get(k) or "").strip() or None
              for k in ("phone", "email", "credit_code", "industry", "region", "contact")}
    return Register(name=name, aliases=aliases, **fields)


def build_bolt_app(container: Container, *, client: WebClient | None = None) -> App:
    settings = container.settings
    assert settings.slack_bot_token and settings.slack_signing_secret
    _patch_bolt_parse_body()
    client = client or WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)
    app = App(client=client, signing_secret=settings.slack_signing_secret, name="crm-bot")
    container.senders[PLATFORM] = SlackSender(settings.slack_bot_token, settings.slack_api_url)
    register(app, SlackDeps(container))
    return app

