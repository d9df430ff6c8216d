"""Slack: the quick actions on an alert digest (the overflow menu on each item) and their small forms."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.commands import AlertCmd, Transfer
from bot.handlers.slack import SlackDeps, guarded, log, submit_form, view_metadata
from bot.i18n import t
from bot.messages import Reply, Result
from bot.present import present
from bot.render.slack import ITEM_MENU, modal, render_message

WRONG_VIEW = "crm_alert_wrong"
TRANSFER_VIEW = "crm_alert_transfer"
MENU_ACTIONS = {"crm_alert_done": "done", "crm_alert_snooze": "snooze", "crm_alert_wrong": "wrong",
                "crm_alert_transfer": "transfer"}


def wrong_modal(locale: str, alert_id: int, channel: str | None) -> dict[str, Any]:
    return modal(callback_id=WRONG_VIEW, title=t(locale, "form.alert_wrong.title"), submit=t(locale, "form.save"),
                 close=t(locale, "form.cancel"),
                 fields=[{"id": "reason", "label": t(locale, "form.field.wrong_reason"), "kind": "multiline"}],
                 private_metadata={"alert_id": alert_id, "channel_id": channel})


def transfer_modal(locale: str, client_ref: str, channel: str | None) -> dict[str, Any]:
    return modal(callback_id=TRANSFER_VIEW, title=t(locale, "form.transfer.title"), submit=t(locale, "form.save"),
                 close=t(locale, "form.cancel"),
                 fields=[{"id": "to", "label": t(locale, "form.field.transfer_to"), "kind": "user"}],
                 private_metadata={"client": client_ref, "channel_id": channel})


def menu_choice(body: dict[str, Any]) -> tuple[str, int] | None:
    """The overflow option chosen: ("snooze", 12) from the value "crm_alert_snooze|12"."""
    value = (((body.get("actions") or [{}])[0]).get("selected_option") or {}).get("value") or ""
    action_id, _, arg = value.partition("|")
    if action_id not in MENU_ACTIONS or not arg.isdigit():
        return None
    return MENU_ACTIONS[action_id], int(arg)


def _errors_on(block: str):
    def errors_for(result: Result, reply: Reply, blocks: set[str]) -> dict[str, str]:
        return {block: "\n".join(p for p in (reply.text, *reply.lines, reply.context) if p)}
    return errors_for


def register(app: App, deps: SlackDeps) -> None:
    service = deps.c.service

    @app.action(ITEM_MENU)
    def on_menu(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        channel = (body.get("channel") or {}).get("id")

        def say(message: dict[str, Any]) -> None:
            respond(response_type="ephemeral", replace_original=False, **message)

        def work() -> None:
            actor = deps.actor(body, client)
            me = service.member(actor)
            choice = menu_choice(body)
            if choice is None:
                say({"text": t(me.locale, "alert.usage")})
                return
            action, alert_id = choice
            if action == "snooze":
                result = service.execute(actor, AlertCmd(alert_id, "snooze"))
                say(render_message(present(result)))
                return
            if action == "wrong":
                view = wrong_modal(me.locale, alert_id, channel)
            else:  # done and transfer need the alert's client (and the caller's right to act on it)
                found = service.execute(actor, AlertCmd(alert_id, "done"))
                if not found.ok:
                    say(render_message(present(found)))
                    return
                ref = f"#{found.params['client_id']}"
                view = (deps.forms["followup"](me, channel, ref) if action == "done"
                        else transfer_modal(me.locale, ref, channel))
            try:
                client.views_open(trigger_id=body["trigger_id"], view=view)
            except SlackApiError as exc:  # expired trigger: say how to do it by typing
                log.warning("views.open failed: %s", exc.response.get("error"))
                say({"text": t(me.locale, "alert.usage")})

        guarded(work, lambda text: say({"text": text}), deps.default_locale)

    @app.view(WRONG_VIEW)
    def on_wrong(ack: Ack, body: dict[str, Any], client: WebClient, view: dict[str, Any]) -> None:
        alert_id = int(view_metadata(view).get("alert_id") or 0)
        submit_form(deps, ack, body, client, view,
                    lambda values: AlertCmd(alert_id, "wrong", reason=values.get("reason")),
                    _errors_on("reason"), "reason")

    @app.view(TRANSFER_VIEW)
    def on_transfer(ack: Ack, body: dict[str, Any], client: WebClient, view: dict[str, Any]) -> None:
        ref = str(view_metadata(view).get("client") or "")
        submit_form(deps, ack, body, client, view,
                    lambda values: Transfer(ref, values.get("to") or ""), _errors_on("to"), "to")
