"""Slack: slash commands, the register modal and its buttons, through the real slack-bolt App.
The pipeline's modals and buttons are in ``bot.handlers.slack_pipeline``.

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
from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.bootstrap import Container
from bot.commands import OpenForm, Register, UsageError, parse_command
from bot.i18n import t
from bot.messages import Reply
from bot.present import present
from bot.render.slack import modal, render_message, view_errors
from bot.service import Actor
from store.repos import MemberView

log = logging.getLogger(__name__)

PLATFORM = "slack"
COMMAND = "/crm"
REGISTER_VIEW = "crm_register"
REGISTER_FIELDS = ("name", "phone", "email", "credit_code", "industry", "region", "contact", "alias", "justification")
ACK_BUDGET = 2.5  # seconds; Slack allows 3 s, bolt's ack_timeout is 3 s


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


FormBuilder = Callable[[MemberView, str | None, str], dict[str, Any]]
"""(member, channel the form was opened from, initial client text) → a modal view."""


class SlackDeps:
    def __init__(self, container: Container) -> None:
        self.c = container
        self._names: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()
        self.forms: dict[str, FormBuilder] = {}  # verb → modal, filled in by the listeners' register()
        self.default_locale = container.policy.team(container.policy.default_team).locale

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
            except (SlackApiError, OSError):  # the name is a nicety: an API error or timeout must not fail the command
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


def guarded(work: Callable[[], None], fail: Callable[[str], None], locale: str) -> None:
    """The one error mapper: a failure becomes a catalog message with a reference, never a trace."""
    try:
        work()
    except Exception:
        ref, text = _internal_error(locale)
        log.exception("slack listener failed (ref %s)", ref)
        fail(text)


def tell(client: WebClient, channel: str | None, user: str, message: dict[str, Any]) -> None:
    """A message to a user: ephemeral in the channel a form came from, else (or if refused) a DM."""
    try:
        if channel:
            client.chat_postEphemeral(channel=channel, user=user, **message)
            return
    except SlackApiError:
        pass
    client.chat_postMessage(channel=user, **message)


def reply_text(reply: Reply) -> str:
    """A reply as one plain paragraph, for a modal's field error."""
    return "\n".join(p for p in (reply.text, *reply.lines, reply.context) if p)


def form_values(view: dict[str, Any]) -> dict[str, str | None]:
    """block_id → what the user typed or chose (stripped; None when empty), whatever the element."""
    values: dict[str, str | None] = {}
    for block_id, actions in ((view.get("state") or {}).get("values") or {}).items():
        for state in (actions or {}).values():
            if "selected_option" in state:
                value = (state.get("selected_option") or {}).get("value")
            elif "selected_user" in state:
                value = state.get("selected_user")
            else:
                value = state.get("value")
            values[block_id] = (value.strip() or None) if isinstance(value, str) else None
    return values


def open_form(deps: SlackDeps, client: WebClient, body: dict[str, Any], verb: str, initial: str,
              fallback: Callable[[dict[str, Any]], None]) -> None:
    """Opens the modal for ``verb``; with no modal, or when Slack refuses (expired_trigger_id …), the
    user is told through ``fallback`` to type the command instead, never left without an answer."""
    service = deps.c.service
    actor = deps.actor(body, client)
    me = service.member(actor)
    builder = deps.forms.get(verb)
    channel = body.get("channel_id") or (body.get("channel") or {}).get("id")
    if builder is not None:
        try:
            client.views_open(trigger_id=body["trigger_id"], view=builder(me, channel, initial))
            return
        except SlackApiError as exc:
            log.warning("views.open failed: %s", exc.response.get("error"))
    fallback(render_message(present(service.execute(actor, OpenForm(verb)))))


def submit_form(deps: SlackDeps, ack: Ack, body: dict[str, Any], client: WebClient, view: dict[str, Any],
                build: Callable[[dict[str, str | None]], Any],
                errors_for: Callable[[Any, Reply, set[str]], dict[str, str]], first_block: str) -> None:
    """A modal submission: the form's values become a command (``build``), the service decides. A
    refusal keeps the modal open with errors on the blocks ``errors_for`` names (blocks of this view
    only); success closes it and tells the user in the channel the form came from, then delivers."""
    once = _AckOnce(ack)
    user = (body.get("user") or {}).get("id")
    channel = view_metadata(view).get("channel_id")
    blocks = {b.get("block_id") for b in view.get("blocks") or [] if b.get("block_id")} \
        or set((view.get("state") or {}).get("values") or {})

    def work() -> None:
        actor = deps.actor(body, client)
        result = deps.c.service.execute(actor, build(form_values(view)))
        reply = present(result)
        if not result.ok:
            errors = {b: text for b, text in errors_for(result, reply, blocks).items() if b in blocks}
            if not once(**view_errors(errors or {first_block: reply_text(reply)})):
                tell(client, channel, user, render_message(reply))  # the modal has closed: say why all the same
            return
        once()
        tell(client, channel, user, render_message(reply))
        deps.deliver()

    def fail(text: str) -> None:
        if not once(**view_errors({first_block: text})):
            tell(client, channel, user, {"text": text})

    guarded(work, fail, deps.default_locale)


def _register_modal(container: Container, locale: str, channel_id: str | None, initial_name: str = "") -> dict:
    fields = [{"id": f, "label": t(locale, f"form.field.{f}"), "optional": f != "name",
               "initial": initial_name if f == "name" else None} for f in REGISTER_FIELDS]
    return modal(callback_id=REGISTER_VIEW, title=t(locale, "form.register.title"),
                 submit=t(locale, "form.submit"), close=t(locale, "form.cancel"), fields=fields,
                 private_metadata={"channel_id": channel_id})


class _AckOnce:
    """Acks exactly once. Slack waits 3 s for the HTTP answer and bolt answers 404 "unhandled request"
    once its ``ack_timeout`` passes, even though the listener goes on and may register the client. So
    if the work is not done within ``ACK_BUDGET`` the request is acked empty, and the answer, when it
    comes, goes another way (``response_url`` for commands, a message for modals)."""

    def __init__(self, ack: Ack) -> None:
        self._ack = ack
        self._lock = threading.Lock()
        self._done = False
        self._timer = threading.Timer(ACK_BUDGET, self)
        self._timer.daemon = True
        self._timer.start()

    def __call__(self, **kwargs: Any) -> bool:
        """Ack with ``kwargs``; False when the request was already acked (the caller must answer late)."""
        with self._lock:
            if self._done:
                return False
            self._done = True
        self._timer.cancel()
        self._ack(**kwargs)
        return True


def register(app: App, deps: SlackDeps) -> None:
    """The /crm command family: the command, the register modal and the button that opens it."""
    service = deps.c.service
    deps.forms["register"] = lambda me, channel, initial: _register_modal(deps.c, me.locale, channel, initial)

    @app.command(COMMAND)
    def on_command(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        once = _AckOnce(ack)

        def answer(message: dict[str, Any]) -> None:
            if not once(response_type="ephemeral", **message):
                respond(response_type="ephemeral", **message)

        def work() -> None:
            command = parse_command(body.get("text") or "")
            if isinstance(command, OpenForm):
                once()
                open_form(deps, client, body, command.verb, "", answer)
                return
            actor = deps.actor(body, client)
            result = service.execute(actor, command)
            answer(render_message(present(result)))
            if result.ok:
                deps.deliver()

        guarded(work, lambda text: answer({"text": text}), deps.default_locale)

    @app.action("crm_register_open")
    def on_register_button(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        value = (body.get("actions") or [{}])[0].get("value") or ""

        def say(message: dict[str, Any]) -> None:
            respond(response_type="ephemeral", replace_original=False, **message)

        guarded(lambda: open_form(deps, client, body, "register", value, say), lambda text: say({"text": text}),
                deps.default_locale)

    @app.view(REGISTER_VIEW)
    def on_register_submit(ack: Ack, body: dict[str, Any], client: WebClient, view: dict[str, Any]) -> None:
        def errors_for(result: Any, reply: Reply, blocks: set[str]) -> dict[str, str]:
            block = result.data.get("field") if result.data.get("field") in REGISTER_FIELDS else "name"
            return {block: reply_text(reply)}

        submit_form(deps, ack, body, client, view, _register_from_form, errors_for, "name")


def view_metadata(view: dict[str, Any]) -> dict[str, Any]:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _register_from_form(values: dict[str, str | None]) -> Register | UsageError:
    name = (values.get("name") or "").strip()
    if not name:
        return UsageError("missing_name", "register")
    aliases = tuple(a.strip() for a in (values.get("alias") or "").replace("，", ",").split(",") if a.strip())
    fields = {k: (values.get(k) or "").strip() or None
              for k in ("phone", "email", "credit_code", "industry", "region", "contact", "justification")}
    return Register(name=name, aliases=aliases, **fields)


def build_bolt_app(container: Container, *, client: WebClient | None = None) -> App:
    settings = container.settings
    assert settings.slack_bot_token and settings.slack_signing_secret
    _patch_bolt_parse_body()
    client = client or WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url)
    app = App(client=client, signing_secret=settings.slack_signing_secret, name="crm-bot")
    from bot.handlers.slack_sender import SlackSender

    container.senders[PLATFORM] = SlackSender(settings.slack_bot_token, settings.slack_api_url)
    from bot.handlers import slack_alerts, slack_pipeline  # they import this module's helpers

    deps = SlackDeps(container)
    register(app, deps)
    slack_pipeline.register(app, deps)
    slack_alerts.register(app, deps)
    return app

