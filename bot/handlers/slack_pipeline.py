"""Slack: the pipeline's modals and buttons. The follow-up, advance and battle-report modals (opened by
``/crm <verb>`` without arguments or by the buttons on replies), the advance modal's criteria that
appear as the target stage is chosen (``views.update``), and the manager's approve button.

Handlers translate: the form's values become a command from ``bot.commands``, the service decides, the
reply is presented and rendered. A refusal keeps the modal open with the message on the block it is
about (a bad date on ``next``, an unknown client on ``client``, each missing criterion on its field).
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.commands import Advance, ChecklistCmd, FollowUp, Report, UsageError
from bot.commands_pipeline import CHANNELS, REPORT_FIELDS
from bot.handlers.slack import (
    SlackDeps,
    form_values,
    guarded,
    open_form,
    reply_text,
    submit_form,
    tell,
    view_metadata,
)
from bot.i18n import t
from bot.messages import Reply, Result
from bot.policy import CriterionField, PipelinePolicy
from bot.present import present, stage_text
from bot.render.slack import modal, render_message
from bot.rules.stages import decide_advance
from bot.service import Actor, Service

log = logging.getLogger(__name__)

FOLLOWUP_VIEW = "crm_followup"
ADVANCE_VIEW = "crm_advance"
REPORT_VIEW = "crm_report"
STAGE_ACTION = "crm_advance_stage"    # the target-stage select: choosing a stage redraws the criteria
CLIENT_ACTION = "crm_advance_client"  # Enter in the client input redraws them for that client's stage
OPENERS = {"crm_followup_open": "followup", "crm_advance_open": "advance", "crm_report_open": "report"}
ADVANCE_BLOCKS = ("client", "stage", "evidence", "reason")  # every other block of the advance modal is a criterion
CHANNEL_IDS = tuple(dict.fromkeys(CHANNELS.values()))
FOLLOWUP_BLOCK_OF = {"followup.bad_date": "next", "followup.date_in_past": "next", "usage.missing_next": "next",
                     "usage.missing_channel": "channel", "usage.bad_channel": "channel",
                     "usage.missing_outcome": "outcome", "usage.bad_goal_met": "goal_met"}


# -- the modals ------------------------------------------------------------------------------------

def _form(callback_id: str, locale: str, title_key: str, channel: str | None,
          fields: list[dict[str, Any]]) -> dict[str, Any]:
    return modal(callback_id=callback_id, title=t(locale, title_key), submit=t(locale, "form.save"),
                 close=t(locale, "form.cancel"), fields=fields, private_metadata={"channel_id": channel})


def _catalog_or(locale: str, key: str, fallback: str) -> str:
    text = t(locale, key)
    return fallback if text == key else text


def _field_label(field: CriterionField, locale: str) -> str:
    return field.label_zh if locale == "zh-CN" else field.label_en


def _example_value(name: str, example: str) -> str:
    """``decision_maker="王总 CTO"`` → ``王总 CTO``: in a form the rep types only the value."""
    value = example.removeprefix(f"{name}=")
    return value[1:-1] if len(value) > 1 and value[0] == value[-1] == '"' else value


def followup_modal(locale: str, channel: str | None, client: str = "") -> dict[str, Any]:
    fields = [
        {"id": "client", "label": t(locale, "form.field.client"), "initial": client},
        {"id": "channel", "label": t(locale, "form.field.channel"), "kind": "select",
         "options": [(c, t(locale, f"channel.{c}")) for c in CHANNEL_IDS]},
        {"id": "outcome", "label": t(locale, "form.field.outcome"), "kind": "multiline"},
        {"id": "next", "label": t(locale, "form.field.next"), "hint": t(locale, "form.hint.next")},
        {"id": "plan", "label": t(locale, "form.field.plan"), "kind": "multiline", "optional": True},
        {"id": "goal_met", "label": t(locale, "form.field.goal_met"), "kind": "select", "optional": True,
         "options": [("yes", t(locale, "form.goal_met.yes")), ("no", t(locale, "form.goal_met.no"))]},
    ]
    return _form(FOLLOWUP_VIEW, locale, "form.followup.title", channel, fields)


def advance_modal(pipeline: PipelinePolicy, locale: str, channel: str | None, values: dict[str, str | None],
                  criteria: tuple[str, ...] = ()) -> dict[str, Any]:
    """Client and target stage, then one input per criterion (block_id = field name), evidence, reason.
    Inputs keep their block and action ids across updates, so Slack keeps what the rep typed."""
    fields: list[dict[str, Any]] = [
        {"id": "client", "label": t(locale, "form.field.client"), "initial": values.get("client"),
         "action_id": CLIENT_ACTION, "dispatch": True},
        {"id": "stage", "label": t(locale, "form.field.stage"), "kind": "select", "action_id": STAGE_ACTION,
         "dispatch": True, "initial": values.get("stage"), "hint": t(locale, "form.hint.stage"),
         "options": [(s, _catalog_or(locale, f"stage.{s}", s)) for s in pipeline.stages]},
    ]
    for name in criteria:
        if name in ADVANCE_BLOCKS:
            continue  # a criterion named like a fixed block cannot have its own; refusals go on the stage
        field = pipeline.fields[name]
        fields.append({"id": name, "label": _field_label(field, locale), "optional": True,
                       "kind": "multiline" if field.type in ("list", "text") else "text",
                       "hint": _example_value(name, field.example), "initial": values.get(name)})
    fields += [{"id": "evidence", "label": t(locale, "form.field.evidence"), "optional": True,
                "initial": values.get("evidence")},
               {"id": "reason", "label": t(locale, "form.field.reason"), "optional": True,
                "initial": values.get("reason")}]
    return _form(ADVANCE_VIEW, locale, "form.advance.title", channel, fields)


def report_modal(locale: str, channel: str | None, client: str = "") -> dict[str, Any]:
    fields: list[dict[str, Any]] = [{"id": "client", "label": t(locale, "form.field.client"), "initial": client}]
    fields += [{"id": f, "label": t(locale, f"form.field.{f}"), "kind": "multiline"} for f in REPORT_FIELDS]
    return _form(REPORT_VIEW, locale, "form.report.title", channel, fields)


def criteria_on_the_way(pipeline: PipelinePolicy, current: str | None, target: str | None) -> tuple[str, ...]:
    """The exit criteria the stage machine checks from ``current`` to ``target``; with the lead's stage
    unknown (no client yet), those of every stage before the target."""
    if target not in pipeline.stages:
        return ()
    start = current if current in pipeline.stages else pipeline.stages[0]
    return decide_advance(start, target, {}, pipeline).checked


def current_stage(service: Service, actor: Actor, client_text: str | None) -> str | None:
    """The lead's stage as the service reports it, or None when the client is not known (yet)."""
    return service.stage_of(actor, client_text) if client_text else None


# -- form values → commands ------------------------------------------------------------------------

def followup_from_form(values: dict[str, str | None]) -> FollowUp | UsageError:
    client, channel, outcome, nxt = (values.get(k) for k in ("client", "channel", "outcome", "next"))
    if not client:
        return UsageError("missing_client", "followup")
    if not channel:
        return UsageError("missing_channel", "followup")
    if not outcome:
        return UsageError("missing_outcome", "followup")
    if not nxt:
        return UsageError("missing_next", "followup")
    if CHANNELS.get(channel.lower()) is None:
        return UsageError("bad_channel", "followup", channel)
    goal = values.get("goal_met")
    if goal not in (None, "yes", "no"):
        return UsageError("bad_goal_met", "followup", goal or "")
    return FollowUp(client, CHANNELS[channel.lower()], outcome, nxt, values.get("plan"),
                    None if goal is None else goal == "yes")


def advance_from_form(values: dict[str, str | None]) -> Advance | UsageError:
    client, stage = values.get("client"), values.get("stage")
    if not client:
        return UsageError("missing_client", "advance")
    if not stage:
        return UsageError("missing_stage", "advance")
    criteria = tuple((k, v) for k, v in values.items() if k not in ADVANCE_BLOCKS and v)
    return Advance(client, stage, criteria, values.get("evidence"), values.get("reason"))


def report_from_form(values: dict[str, str | None]) -> Report | UsageError:
    client = values.get("client")
    if not client:
        return UsageError("missing_client", "report")
    return Report(client, tuple((f, v) for f in REPORT_FIELDS if (v := values.get(f))))


# -- refusals → the blocks they are about ----------------------------------------------------------

def followup_errors(result: Result, reply: Reply, blocks: set[str]) -> dict[str, str]:
    return {FOLLOWUP_BLOCK_OF.get(result.msg, "client"): reply_text(reply)}


def report_errors(result: Result, reply: Reply, blocks: set[str]) -> dict[str, str]:
    if result.msg == "report.missing_fields":
        names = [n.strip() for n in str(result.params.get("fields") or "").split(",")]
        return {n: reply_text(reply) for n in names if n in REPORT_FIELDS}
    return {"client": reply_text(reply)}


def advance_errors(pipeline: PipelinePolicy, result: Result, reply: Reply, blocks: set[str]) -> dict[str, str]:
    """Each missing criterion on its own field when the modal shows it, the others listed on the stage."""
    loc, msg = result.locale, result.msg
    if msg == "stage.exit_criteria_missing":
        stage = stage_text(result.params.get("to_stage"), loc)
        errors: dict[str, str] = {}
        elsewhere: list[str] = []
        for i, missing in enumerate(result.data.get("missing") or []):
            name = missing["field"]
            if name in blocks and name not in ADVANCE_BLOCKS:
                errors[name] = t(loc, "form.error.missing", stage=stage,
                                 example=_example_value(name, missing.get("example") or ""))
            else:
                elsewhere.append(reply.lines[i] if i < len(reply.lines) else missing["label"])
        if elsewhere:
            errors["stage"] = "\n".join(p for p in (reply.text, *elsewhere, reply.context) if p)
        return errors
    if msg.startswith("value."):  # a value that cannot be read: the service names its field
        field = result.data.get("field")
        block = field if field in blocks else "stage"
        return {block: reply_text(reply)}
    if msg == "stage.backward_needs_reason":
        return {"reason": reply_text(reply)}
    if msg.startswith(("lead.", "problem.")) or msg == "usage.missing_client":
        return {"client": reply_text(reply)}
    return {"stage": reply_text(reply)}


# -- the listeners ---------------------------------------------------------------------------------

def register(app: App, deps: SlackDeps) -> None:
    service = deps.c.service
    pipeline = deps.c.policy.pipeline
    deps.forms["followup"] = lambda me, channel, initial: followup_modal(me.locale, channel, initial)
    deps.forms["advance"] = lambda me, channel, initial: advance_modal(pipeline, me.locale, channel,
                                                                         {"client": initial})
    deps.forms["report"] = lambda me, channel, initial: report_modal(me.locale, channel, initial)

    def button_value(body: dict[str, Any]) -> str:
        return str((body.get("actions") or [{}])[0].get("value") or "")

    def opener(verb: str):
        def on_open(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
            ack()

            def say(message: dict[str, Any]) -> None:
                respond(response_type="ephemeral", replace_original=False, **message)

            guarded(lambda: open_form(deps, client, body, verb, button_value(body), say),
                    lambda text: say({"text": text}), deps.default_locale)
        return on_open

    for action_id, verb in OPENERS.items():
        app.action(action_id)(opener(verb))

    @app.action("crm_checklist_approve")
    def on_approve(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        """The manager's button on the 'checklist complete' notice: approve, as the one who clicked."""
        ack()

        def say(message: dict[str, Any]) -> None:
            respond(response_type="ephemeral", replace_original=False, **message)

        def work() -> None:
            actor = deps.actor(body, client)
            result = service.execute(actor, ChecklistCmd(text=f"{button_value(body)} approve"))
            say(render_message(present(result)))
            if result.ok:
                deps.deliver()

        guarded(work, lambda text: say({"text": text}), deps.default_locale)

    def on_advance_refresh(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """A stage chosen (or a client entered) inside the advance modal: redraw it with the criteria."""
        ack()
        view = body.get("view") or {}
        channel = view_metadata(view).get("channel_id")

        def work() -> None:
            actor = deps.actor(body, client)
            me = service.member(actor)
            values = form_values(view)
            action = (body.get("actions") or [{}])[0]
            if action.get("action_id") == STAGE_ACTION:
                values["stage"] = (action.get("selected_option") or {}).get("value")
            else:
                values["client"] = (action.get("value") or "").strip() or None
            criteria = criteria_on_the_way(pipeline, current_stage(service, actor, values.get("client")),
                                           values.get("stage"))
            try:
                client.views_update(view_id=view["id"], hash=view.get("hash"),
                                    view=advance_modal(pipeline, me.locale, channel, values, criteria))
            except SlackApiError as exc:  # hash_conflict: a newer change redraws it; the submit still checks all
                log.warning("views.update failed: %s", exc.response.get("error"))

        def fail(text: str) -> None:
            tell(client, channel, (body.get("user") or {}).get("id"), {"text": text})

        guarded(work, fail, deps.default_locale)

    app.action(STAGE_ACTION)(on_advance_refresh)
    app.action(CLIENT_ACTION)(on_advance_refresh)

    @app.view(FOLLOWUP_VIEW)
    def on_followup_submit(ack: Ack, body: dict[str, Any], client: WebClient, view: dict[str, Any]) -> None:
        submit_form(deps, ack, body, client, view, followup_from_form, followup_errors, "client")

    @app.view(ADVANCE_VIEW)
    def on_advance_submit(ack: Ack, body: dict[str, Any], client: WebClient, view: dict[str, Any]) -> None:
        submit_form(deps, ack, body, client, view, advance_from_form,
                    lambda result, reply, blocks: advance_errors(pipeline, result, reply, blocks), "stage")

    @app.view(REPORT_VIEW)
    def on_report_submit(ack: Ack, body: dict[str, Any], client: WebClient, view: dict[str, Any]) -> None:
        submit_form(deps, ack, body, client, view, report_from_form, report_errors, "client")
