"""SLA sweep benchmark: one ``Jobs.sla_sweep`` over N open leads of which exactly 1% are due.

    .venv/bin/python bench/sweep.py --url sqlite:///var/sweep.db --sizes 100000,1000000
    .venv/bin/python bench/sweep.py --url postgresql://postgres@127.0.0.1:5432/crm_sweep --sizes 100000,1000000

For each size, on a database of its own (the sweep changes what it swept, so sizes do not share one):

1. Drops and recreates the database (the SQLite file is deleted; on PostgreSQL ``DROP SCHEMA public
   CASCADE; CREATE SCHEMA public``) and migrates it with ``store.migrate.upgrade``.
2. Seeds, with Core bulk inserts (one transaction per ``--chunk`` leads): the policy's teams and members
   (``Service.member``, as on first use), a few hundred more members of team ``sales-east`` (managers and
   their reps), and N clients each with one open lead owned by a rep. Each lead's facts (grade, assigned,
   first touch, last activity, booked next contact) are drawn, and its ``sla_kind``/``sla_due_at`` come from
   ``bot.rules.sla.next_due`` on the team's calendar, exactly as ``SlaClocks.refresh`` computes them.
   Exactly 1% of the leads are due at the sweep time (``--at``): 70% reach ladder level 1 now, 20% level 2
   and 10% level 3 (those already have their lower rungs as open alert rows, ``sla_level`` and
   ``sla_check_at = next_check(due, level)`` as the previous sweeps left them). The other 99% look again
   in the future: most are not due yet (``sla_check_at = sla_due_at > at``), 5% are overdue and already
   alerted at their current level (``sla_check_at`` = the start of their next level).
3. ``ANALYZE`` (SQLite) or ``VACUUM ANALYZE`` (PostgreSQL), then prints the query plan of the due-leads
   statement the sweep sends (captured from ``Alerts.due_leads``; ``EXPLAIN QUERY PLAN`` on SQLite,
   ``EXPLAIN (ANALYZE, BUFFERS)`` on PostgreSQL) and the rows it returns.
4. Times one ``Jobs.sla_sweep(at)`` through a container from ``bot.bootstrap.bootstrap`` (the product's
   engine settings and ``app.yaml``), checks what it wrote (one alert per due lead, the digests in the
   outbox, one job_run row per team), then runs the next period's sweep (it must find nothing to do) and
   the same period again (claimed: skipped).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import platform
import pstats
import random
import sqlite3
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, event, func, insert, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.common import backend, recreate, seeding_database  # noqa: E402
from bot.bootstrap import Container, bootstrap  # noqa: E402
from bot.jobs import SweepReport, sweep_period  # noqa: E402
from bot.policy import Policy  # noqa: E402
from bot.rules.calendar import WorkCalendar  # noqa: E402
from bot.rules.sla import LeadClock, level_at, next_check, next_due  # noqa: E402
from bot.service import FIRST_STAGE, Actor  # noqa: E402
from bot.settings import Settings  # noqa: E402
from store.db import Database, normalize_url  # noqa: E402
from store.models import Alert, Client, JobRun, Lead, Member, Outbox  # noqa: E402
from store.uow import UnitOfWork  # noqa: E402

TENANT = "local"
PLATFORM = "console"
TEAM = "sales-east"          # a team of app.yaml
MANAGERS = 20                # bench managers M01…, each with REPS_PER_MANAGER reps
REPS_PER_MANAGER = 14
DUE_LEVELS = ([1, 2, 3], [70, 20, 10])   # the ladder level the due leads reach at the sweep
ALERTED_SHARE = 0.05         # not-due leads already overdue and alerted at their level
GRADES = (["A", "B", "C"], [20, 50, 30])
KINDS = (["first_touch", "stall", "next_contact"], [30, 40, 30])
LEAD_COLUMNS = frozenset(Lead.__table__.c.keys())


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)








# -- lead facts and their SLA clocks -----------------------------------------------------------------


@dataclass
class Drawn:
    facts: dict            # lead columns
    alerts: list[dict]     # lower rungs already raised


class LeadFactory:
    """Draws a lead's facts and computes its SLA clock with the product's rules (as ``SlaClocks.refresh``)."""

    def __init__(self, policy: Policy, cal: WorkCalendar, at: datetime, rng: random.Random) -> None:
        self.sla = policy.sla
        self.cal = cal
        self.at = at
        self.rng = rng
        self.period = sweep_period(at, policy.sla.sweep_minutes)
        self.draws = 0

    def _facts(self, due_now: bool) -> tuple[str, LeadClock]:
        """Facts of one kind of clock; windows chosen so most draws land where they should."""
        r, at = self.rng, self.at
        grade = r.choices(*GRADES)[0]
        kind = r.choices(*KINDS)[0]

        def days(lo: float, hi: float) -> timedelta:
            return timedelta(days=r.uniform(lo, hi))

        if kind == "first_touch":
            span = {"A": 1, "B": 3, "C": 10}[grade]
            assigned = at - (days(span * 0.4, span * 6) if due_now else days(0, span))
            return grade, LeadClock(grade, assigned, None, assigned, None, False)
        if kind == "stall":
            last = at - (days(7, 20) if due_now else days(0, 7))
            touched = last - days(0, 20)
            return grade, LeadClock(grade, touched - days(0, 5), touched, last, None, False)
        booked = at - days(0.5, 8) if due_now else at + days(0, 14)
        last = min(at - days(0, 4), booked - days(0.1, 4))  # the follow-up that booked the next contact
        touched = last - days(0, 6)
        return grade, LeadClock(grade, touched - days(0, 5), touched, last, booked, False)

    def draw(self, due_now: bool) -> Drawn:
        """A lead due at the sweep (it reaches a new ladder level now) or one that looks again later."""
        sla, cal, at = self.sla, self.cal, self.at
        want = self.rng.choices(*DUE_LEVELS)[0] if due_now else 0
        alerted = not due_now and self.rng.random() < ALERTED_SHARE
        while True:
            self.draws += 1
            grade, clock = self._facts(due_now or alerted)
            due = next_due(clock, sla, cal)
            assert due is not None
            level = level_at(due.at, at, sla, cal)
            if due_now:
                if level != want:
                    continue
                seen = level - 1                     # the previous sweeps raised the lower rungs
            elif alerted:
                if not 1 <= level < 3:
                    continue
                seen = level                         # this level is raised already; the next one is ahead
            else:
                if level != 0:
                    continue
                seen = 0
            check = next_check(due.at, seen, sla, cal)
            assert check is not None and ((check <= at) == due_now)
            break
        facts = {
            "grade": grade, "registered_at": clock.assigned_at, "assigned_at": clock.assigned_at,
            "first_touch_at": clock.first_touch_at, "last_activity_at": clock.last_activity_at,
            "next_contact_at": clock.next_contact_at, "sla_kind": due.kind, "sla_due_at": due.at,
            "sla_level": seen, "sla_check_at": check,
        }
        alerts = [{"kind": due.kind, "due_at": due.at, "level": lvl, "status": "open",
                   "created_at": next_check(due.at, lvl - 1, sla, cal)} for lvl in range(1, seen + 1)]
        return Drawn(facts, alerts)


# -- seeding -----------------------------------------------------------------------------------------


@dataclass
class SeedStats:
    leads: int = 0
    due: int = 0
    draws: int = 0
    members: int = 0
    generate_s: float = 0.0
    insert_s: float = 0.0
    analyze_s: float = 0.0
    rows: Counter = field(default_factory=Counter)


def seed_people(container: Container) -> tuple[int, list[int]]:
    """The policy's teams and members (as on first use), then bench managers and reps: (team id, rep ids)."""
    container.service.member(Actor(TENANT, PLATFORM, "U1"))
    db, now = container.db, container.clock.now()
    with UnitOfWork(db) as uow:
        team = uow.repos.teams.get(TENANT, TEAM)
        assert team is not None
        team_id = team.id
    with db.write_engine.begin() as conn:
        base = {"tenant": TENANT, "platform": PLATFORM, "team_id": team_id, "created_at": now}
        conn.execute(insert(Member), [{**base, "user_id": f"M{m:02d}", "display_name": f"经理{m:02d}",
                                       "role": "manager", "manager_id": None} for m in range(1, MANAGERS + 1)])
        managers = dict(conn.execute(select(Member.user_id, Member.id).where(
            Member.tenant == TENANT, Member.user_id.like("M%"))).all())
        reps = []
        for m in range(1, MANAGERS + 1):
            for i in range(1, REPS_PER_MANAGER + 1):
                uid = f"R{m:02d}{i:02d}"
                reps.append({**base, "user_id": uid, "display_name": f"销售{uid}", "role": "rep",
                             "manager_id": managers[f"M{m:02d}"]})
        conn.execute(insert(Member), reps)
        rep_ids = list(conn.execute(select(Member.id).where(Member.tenant == TENANT, Member.role == "rep")
                                    .order_by(Member.id)).scalars())
    return team_id, rep_ids


def seed(url: str, container: Container, size: int, at: datetime, chunk: int, rng: random.Random) -> SeedStats:
    stats = SeedStats()
    team_id, rep_ids = seed_people(container)
    stats.members = len(rep_ids) + MANAGERS
    factory = LeadFactory(container.policy, container.service.pipeline.clocks.calendar(TEAM), at, rng)
    n_due = size // 100
    due_slots = set(rng.sample(range(1, size + 1), n_due))
    db = seeding_database(url)
    try:
        lead_id = 0
        while lead_id < size:
            start = time.perf_counter()
            clients: list[dict] = []
            leads: list[dict] = []
            alerts: list[dict] = []
            for _ in range(min(chunk, size - lead_id)):
                lead_id += 1
                drawn = factory.draw(lead_id in due_slots)
                owner = rng.choice(rep_ids)
                registered = drawn.facts["registered_at"]
                clients.append({"id": lead_id, "tenant": TENANT, "name": f"客户{lead_id}科技有限公司",
                                "name_body": f"客户{lead_id}科技", "core": f"客户{lead_id}", "region": None,
                                "aliases": [], "created_by": owner, "created_at": registered})
                lead = {"id": lead_id, "tenant": TENANT, "client_id": lead_id, "team_id": team_id,
                        "owner_id": owner, "stage": FIRST_STAGE, "grade_reasons": [], "source": "self",
                        "protected_until": registered + timedelta(days=container.policy.protection.days),
                        "locked": False, "version": 1, "criteria": {}, **drawn.facts}
                leads.append({k: v for k, v in lead.items() if k in LEAD_COLUMNS})
                alerts.extend({"tenant": TENANT, "lead_id": lead_id, "period": "seeded", **a} for a in drawn.alerts)
            generated = time.perf_counter()
            with db.write_engine.begin() as conn:
                conn.execute(insert(Client), clients)
                conn.execute(insert(Lead), leads)
                if alerts:
                    conn.execute(insert(Alert), alerts)
            done = time.perf_counter()
            stats.rows.update(client=len(clients), lead=len(leads), alert=len(alerts))
            stats.generate_s += generated - start
            stats.insert_s += done - generated
            log(f"  seeded {lead_id:,} leads (chunk: generate {generated - start:.1f} s, "
                f"insert {done - generated:.1f} s)")
        stats.leads, stats.due, stats.draws = lead_id, n_due, factory.draws
        start = time.perf_counter()
        if db.is_sqlite:
            with db.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
                conn.exec_driver_sql("ANALYZE")
                conn.commit()
        else:
            with db.engine.begin() as conn:  # ids were given explicitly: move the sequences past them
                for table in ("client", "lead"):
                    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                      f"(SELECT max(id) FROM {table}))"))
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        stats.analyze_s = time.perf_counter() - start
    finally:
        db.dispose()
    return stats


# -- measuring ---------------------------------------------------------------------------------------


class _Captured(Exception):
    pass


def due_leads_statement(db: Database, team_id: int, at: datetime) -> tuple[str, object]:
    """The SQL and driver parameters ``Alerts.due_leads`` sends, captured and not executed."""
    seen: list[tuple[str, object]] = []

    def listener(_conn, _cursor, statement, parameters, _context, _executemany):
        seen.append((statement, parameters))
        raise _Captured

    with UnitOfWork(db) as uow:
        uow.session.connection()  # BEGIN outside the listener
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            uow.repos.alerts.due_leads(TENANT, team_id, at)
        except _Captured:
            pass
        except Exception as exc:  # SQLAlchemy may wrap what a listener raises
            if not isinstance(exc.__cause__ or exc.__context__, _Captured) and not seen:
                raise
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
    assert seen, "due_leads sent no statement"
    return seen[0]


def plan(db: Database, statement: str, params: object) -> tuple[list[str], int]:
    """The plan lines and the number of rows the statement returns."""
    lines: list[str] = []
    with db.engine.connect() as conn:
        if db.is_sqlite:
            depth = {0: -1}
            for node, parent, _unused, detail in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params):
                depth[node] = depth.get(parent, -1) + 1
                lines.append(f"{'  ' * depth[node]}{detail}")
        else:
            lines = [r[0] for r in conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, params)]
        rows = len(conn.exec_driver_sql(statement, params).all())
    return lines, rows


def timed(call: Callable[[], SweepReport], profile: bool) -> tuple[SweepReport, float, str]:
    profiler = cProfile.Profile() if profile else None
    start = time.perf_counter()
    if profiler:
        profiler.enable()
    report = call()
    if profiler:
        profiler.disable()
    elapsed = time.perf_counter() - start
    text_out = ""
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
        text_out = out.getvalue()
    return report, elapsed, text_out


@dataclass
class SizeResult:
    size: int
    seed: SeedStats
    due_rows: int
    plan_lines: list[str]
    statement: str
    sweep: SweepReport
    sweep_s: float
    next_sweep: SweepReport
    next_s: float
    due_next: int
    again: SweepReport
    written: dict[str, int]
    profile: str
    db_size: str


def counts(db: Database, period: str) -> dict[str, int]:
    with db.engine.connect() as conn:
        def scalar(stmt) -> int:
            return int(conn.execute(stmt).scalar_one())
        return {
            "alerts_in_period": scalar(select(func.count()).select_from(Alert).where(Alert.period == period)),
            "digests_in_period": scalar(select(func.count()).select_from(Outbox).where(
                Outbox.dedupe_key.like(f"sla:%:{period}:%"))),
            "job_runs_in_period": scalar(select(func.count()).select_from(JobRun).where(JobRun.period == period)),
        }


def database_size(url: str, db: Database) -> str:
    if db.is_sqlite:
        return f"file {Path(make_url(normalize_url(url)).database).stat().st_size / 1e6:,.0f} MB"
    with db.engine.connect() as conn:
        return "database " + conn.exec_driver_sql(
            "SELECT pg_size_pretty(pg_database_size(current_database()))").scalar_one()


def measure(url: str, size: int, at: datetime, chunk: int, rng: random.Random, profile: bool) -> SizeResult:
    log(f"recreating {url}")
    recreate(url)
    settings = Settings(DATABASE_URL=url, CRM_CONFIG=str(ROOT / "app.yaml"), _env_file=None)
    seeder = bootstrap(settings)
    log(f"seeding {size:,} leads")
    stats = seed(url, seeder, size, at, chunk, rng)
    seeder.db.dispose()

    container = bootstrap(settings)   # a fresh process-like container: the product's engine settings
    with UnitOfWork(container.db) as uow:
        team_id = uow.repos.teams.get(TENANT, TEAM).id  # type: ignore[union-attr]
    statement, params = due_leads_statement(container.db, team_id, at)
    plan_lines, due_rows = plan(container.db, statement, params)
    log(f"sweeping at {at.isoformat()} ({due_rows:,} due leads)")
    report, elapsed, prof = timed(lambda: container.jobs.sla_sweep(at), profile)
    written = counts(container.db, report.period)
    nxt = at + timedelta(minutes=container.policy.sla.sweep_minutes)
    # What the next period's sweep must look at: leads due by then, including swept ones whose next rung
    # of the ladder starts within the period.
    with container.db.engine.connect() as conn:
        due_next = conn.execute(select(func.count()).select_from(Lead).where(Lead.sla_check_at <= nxt)).scalar_one()
        written["still_due"] = len(conn.exec_driver_sql(statement, params).all())
    next_report, next_s, _ = timed(lambda: container.jobs.sla_sweep(nxt), False)
    again = container.jobs.sla_sweep(at)
    result = SizeResult(size, stats, due_rows, plan_lines, " ".join(statement.split()), report, elapsed,
                        next_report, next_s, due_next, again, written, prof, database_size(url, container.db))
    container.db.dispose()
    return result


# -- the report --------------------------------------------------------------------------------------


def engine_name(url: str) -> str:
    if backend(url) == "sqlite":
        return f"SQLite {sqlite3.sqlite_version}"
    engine = create_engine(normalize_url(url))
    try:
        with engine.connect() as conn:
            return "PostgreSQL " + conn.exec_driver_sql("SHOW server_version").scalar_one()
    finally:
        engine.dispose()


def report_lines(url: str, at: datetime, results: list[SizeResult], seed_value: int) -> tuple[list[str], bool]:
    out = [f"## SLA sweep benchmark: {engine_name(url)}", "",
           f"Python {platform.python_version()} on {platform.platform()}; "
           f"{make_url(normalize_url(url)).render_as_string()}; sweep at {at.isoformat()} "
           f"(period {results[0].sweep.period}); team {TEAM} "
           f"of app.yaml with {MANAGERS} managers and {MANAGERS * REPS_PER_MANAGER} reps added; seed {seed_value}.",
           "",
           "| leads | due (1%) | rows: client, lead, alert | draws | generate s | insert s | analyze s | size |",
           "|---|---|---|---|---|---|---|---|"]
    for r in results:
        s = r.seed
        out.append(f"| {r.size:,} | {s.due:,} | {s.rows['client']:,}, {s.rows['lead']:,}, {s.rows['alert']:,} "
                   f"| {s.draws:,} | {s.generate_s:.1f} | {s.insert_s:.1f} | {s.analyze_s:.1f} | {r.db_size} |")
    out += ["", "| leads | due rows (plan query) | sweep s | ms per due lead | leads checked | alerts | digests "
                "| teams run | alert rows / digest rows / job_run rows of the period | due after | next period: "
                "checked (due), s | same period again: run, skipped |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    ok = True
    for r in results:
        w, rep = r.written, r.sweep
        out.append(f"| {r.size:,} | {r.due_rows:,} | **{r.sweep_s:.2f}** | {r.sweep_s * 1000 / max(1, r.due_rows):.3f} "
                   f"| {rep.leads_checked:,} | {rep.alerts:,} | {rep.digests:,} | {rep.teams_run} "
                   f"| {w['alerts_in_period']:,} / {w['digests_in_period']:,} / {w['job_runs_in_period']} "
                   f"| {w['still_due']} | {r.next_sweep.leads_checked:,} ({r.due_next:,}), {r.next_s:.2f} "
                   f"| {r.again.teams_run}, {r.again.teams_skipped} |")
        ok &= (rep.leads_checked == r.due_rows == r.seed.due and rep.alerts == r.due_rows
               and w["alerts_in_period"] == rep.alerts and w["digests_in_period"] == rep.digests
               and w["still_due"] == 0 and r.next_sweep.leads_checked == r.due_next and r.again.teams_run == 0)
    first, last = results[0], results[-1]
    out += [""]
    if len(results) > 1:
        out += [f"Growth {last.size:,} / {first.size:,} leads: sweep time ×{last.sweep_s / first.sweep_s:.2f} "
                f"for ×{last.due_rows / max(1, first.due_rows):.0f} due leads; time per due lead "
                f"×{(last.sweep_s / last.due_rows) / (first.sweep_s / first.due_rows):.2f}.", ""]
    met = last.sweep_s < 5
    out += ["| target | measured | met |", "|---|---|---|",
            f"| one sweep at {last.size:,} leads < 5 s | {last.sweep_s:.2f} s | {'yes' if met else '**no**'} |",
            f"| the sweep touches only the due rows | checked {last.sweep.leads_checked:,} of {last.size:,}, "
            f"plan via ix_lead_sla_check | {'yes' if ok and any('ix_lead_sla_check' in x for x in last.plan_lines) else '**no**'} |",
            ""]
    out += [f"### Due-leads query plan at {last.size:,} leads", "", "```sql", last.statement, "```", "", "```",
            *last.plan_lines, "```", ""]
    for r in results:
        if r.profile:
            out += [f"### cProfile of the sweep at {r.size:,} leads (top 30 by cumulative time)", "", "```",
                    r.profile.strip(), "```", ""]
    return out, ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default="sqlite:///var/sweep.db",
                        help="database URL (default sqlite:///var/sweep.db); it is DROPPED and recreated per size")
    parser.add_argument("--sizes", default="100000,1000000", help="open leads per run (default 100000,1000000)")
    parser.add_argument("--at", default="2026-12-01T10:00+08:00", help="the sweep time (a working Tuesday morning)")
    parser.add_argument("--chunk", type=int, default=50_000, help="leads per seeding transaction (default 50000)")
    parser.add_argument("--profile", action="store_true", help="run the timed sweep under cProfile and print it")
    parser.add_argument("--seed", type=int, default=42, help="random seed")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    if any(s < 100 for s in sizes):
        raise SystemExit("--sizes: at least 100 leads (1% of them are due)")
    at = datetime.fromisoformat(args.at).astimezone(UTC)
    results = []
    for size in sizes:
        results.append(measure(args.url, size, at, args.chunk, random.Random(args.seed), args.profile))
    lines, ok = report_lines(args.url, at, results, args.seed)
    print("\n".join(lines))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
