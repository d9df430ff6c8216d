"""Quick actions on SLA alerts (done, snooze, "this alert is wrong") and a manager's transfer."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot.commands import AlertCmd, Transfer
from bot.messages import Result
from bot.pipeline_base import CONTACT_HOUR, PipelineBase
from bot.present import present
from bot.rules.dates import parse_day
from bot.rules.sla import snooze_until
from store.models import AlertFeedback
from store.repos import MemberView
from store.uow import UnitOfWork


class AlertCommands(PipelineBase):
    def alert(self, me: MemberView, cmd: AlertCmd) -> Result:
        now = self.clock.now()
        with UnitOfWork(self.db, write=cmd.action != "done") as uow:
            repos = uow.repos
            alert = repos.alerts.get(me.tenant, cmd.alert_id)
            lead = repos.pipeline.lead_for_update(me.tenant, alert.lead_id) if alert else None
            if alert is None or lead is None:
                return self._refuse(me, "alert.not_found", "alert", alert_id=cmd.alert_id)
            client = repos.clients.by_ids(me.tenant, [lead.client_id])[lead.client_id]
            if not self._allowed(repos, me, lead):
                result = self._not_allowed(repos, me, client, lead, f"alert.{cmd.action}", now)
                uow.commit()
                return result
            if cmd.action == "done":
                return self._result(me, True, "alert.done", "alert.done", client_id=client.id, name=client.name)
            if cmd.action == "snooze":
                today = self._today(me, now)
                day = parse_day(cmd.until, today) if cmd.until else parse_day("tomorrow", today)
                if day is None:
                    return self._refuse(me, "alert.bad_until", "alert", value=cmd.until)
                until = snooze_until(now, datetime.combine(day, CONTACT_HOUR, ZoneInfo(me.timezone)))
                lead.snoozed_until = until
                self.clocks.refresh(repos, lead)
                repos.audit.record(tenant=me.tenant, actor_id=me.id, action="alert.snooze", subject_type="lead",
                                   subject_id=lead.id, rule="alert.snoozed", decision="done",
                                   facts={"alert_id": alert.id, "until": until.isoformat()}, at=now)
                uow.commit()
                return self._result(me, True, "alert.snoozed", "alert.snoozed", name=client.name, until=until,
                                    client_id=client.id)
            if not (cmd.reason and cmd.reason.strip()):
                return self._refuse(me, "alert.wrong_needs_reason", "alert")
            repos.alerts.add_feedback(AlertFeedback(tenant=me.tenant, alert_id=alert.id, member_id=me.id,
                                                    verdict="wrong", reason=cmd.reason.strip(), at=now))
            alert.status, alert.closed_at, alert.close_reason = "resolved", now, "reported_wrong"
            repos.audit.record(tenant=me.tenant, actor_id=me.id, action="alert.wrong", subject_type="lead",
                               subject_id=lead.id, rule="alert.reported_wrong", decision="done",
                               facts={"alert_id": alert.id, "kind": alert.kind, "level": alert.level,
                                      "reason": cmd.reason.strip()}, at=now)
            owner = repos.pipeline.member(lead.owner_id)
            manager = repos.pipeline.member(owner.manager_id) if owner and owner.manager_id else None
            if manager is not None and manager.id != me.id:
                count = repos.alerts.wrong_count(me.tenant) + 1
                notice = present(Result(True, "alert.wrong.notice", "alert.wrong.notice",
                                        {"member": me.display_name, "name": client.name, "reason": cmd.reason.strip(),
                                         "count": count}, locale=me.locale, timezone=me.timezone))
                repos.outbox.enqueue(tenant=me.tenant, dedupe_key=f"alert-wrong:{me.tenant}:{alert.id}:{me.id}",
                                     platform=me.platform, target=manager.user_id, payload=notice.to_dict(), now=now)
            uow.commit()
        return self._result(me, True, "alert.wrong_recorded", "alert.wrong_recorded", reason=cmd.reason.strip())

    def transfer(self, me: MemberView, cmd: Transfer) -> Result:
        if me.role not in ("manager", "director"):
            return self._refuse(me, "transfer.managers_only", "transfer")
        now = self.clock.now()
        with UnitOfWork(self.db, write=True) as uow:
            repos = uow.repos
            found = self._resolve(repos, me, cmd.client, "transfer")
            if isinstance(found, Result):
                return found
            client, lead = found
            target = repos.members.view(me.tenant, me.platform, cmd.to_user)
            if target is None:
                return self._refuse(me, "transfer.unknown_member", "transfer", value=cmd.to_user)
            if not self._allowed(repos, me, lead):
                result = self._not_allowed(repos, me, client, lead, "transfer", now)
                uow.commit()
                return result
            old = repos.pipeline.member(lead.owner_id)
            lead.owner_id, lead.assigned_at, lead.snoozed_until = target.id, now, None
            repos.pipeline.touch(lead, now)
            self.clocks.on_close(repos, lead, now, "transferred")  # old alerts stop; a new first-touch clock
            repos.audit.record(tenant=me.tenant, actor_id=me.id, action="transfer", subject_type="lead",
                               subject_id=lead.id, rule="transfer.by_manager", decision="done",
                               facts={"from_owner": old.user_id if old else None, "to_owner": target.user_id}, at=now)
            notice = present(Result(True, "transfer.notice", "transfer.notice",
                                    {"manager": me.display_name, "name": client.name},
                                    locale=target.locale, timezone=target.timezone))
            repos.outbox.enqueue(tenant=me.tenant, dedupe_key=f"transfer:{me.tenant}:{lead.id}:{lead.version}",
                                 platform=me.platform, target=target.user_id, payload=notice.to_dict(), now=now)
            uow.commit()
        return self._result(me, True, "transfer.done", "transfer.done", name=client.name,
                            old_owner=old.display_name if old else "", new_owner=target.display_name)
