"""``python -m bot …``: serve, console, start, config check, db upgrade."""

from __future__ import annotations

import argparse
import logging
import sys

from bot.known_names import KnownNamesError, load_known
from bot.policy import PolicyError, load_policy
from bot.settings import Settings
from store.migrate import SchemaNotCurrent


def _container(settings: Settings):
    from bot.bootstrap import bootstrap

    return bootstrap(settings)


def cmd_config_check(args: argparse.Namespace, settings: Settings) -> int:
    path = args.file or settings.crm_config
    try:
        policy = load_policy(path)
    except PolicyError as exc:
        print(exc, file=sys.stderr)
        return 2
    try:
        load_known(policy.identity.known_names)
    except KnownNamesError as exc:
        print(f"{path}: {exc}", file=sys.stderr)
        return 2
    members = sum(len(t.members) for t in policy.teams)
    print(f"{path}: ok ({len(policy.teams)} teams, {members} members, default team {policy.default_team})")
    return 0


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from store.migrate import upgrade

    upgrade(settings.database_url)
    code = _rekey(settings, only_if_changed=True)
    if code == 0:
        print(f"database at {settings.database_url} is up to date")
    return code


def cmd_dedupe_rekey(args: argparse.Namespace, settings: Settings) -> int:
    return _rekey(settings, only_if_changed=False)


def _rekey(settings: Settings, *, only_if_changed: bool) -> int:
    """Re-key the clients: always, or when the name rules changed since the database last saw them."""
    from bot.rekey import rekey, rekey_if_rules_changed
    from store.db import create_database

    try:
        policy = load_policy(settings.crm_config)
        known = load_known(policy.identity.known_names)
    except PolicyError as exc:
        print(exc, file=sys.stderr)
        return 2
    db = create_database(settings.database_url)
    progress = lambda line: print(line, file=sys.stderr, flush=True)  # noqa: E731
    try:
        report = (rekey_if_rules_changed(db, policy, known, progress=progress) if only_if_changed
                  else rekey(db, policy, known, progress=progress))
    finally:
        db.dispose()
    if report is None:
        return 0
    print(f"name keys re-derived for {report.clients:,} clients ({report.changed:,} changed)")
    for client_id, holder, value in report.shared:
        print(f"  client {client_id} now shares the key {value!r} with client {holder}: registered apart "
              f"before the rules could tell; a manager should look")
    for client_id, code in report.unreadable:
        print(f"  client {client_id}: today's rules cannot read its name ({code}); it keeps its keys")
    return 0


def cmd_dedupe_eval(args: argparse.Namespace, settings: Settings) -> int:
    from bot.dedupe_eval import main as run_eval

    return run_eval(args.file, as_json=args.json, known_names=args.known_names)


def _at(value: str | None):
    from datetime import datetime

    if value is None:
        return None
    at = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if at.tzinfo is None:
        raise SystemExit(f"--at {value}: give a time zone, e.g. 2026-12-01T10:00+08:00")
    return at


def cmd_jobs_run(args: argparse.Namespace, settings: Settings) -> int:
    import json
    from dataclasses import asdict

    from bot.clock import FixedClock

    container = _container(settings)
    at = _at(args.at)
    if at is not None:
        container.clock = FixedClock(at)
        container.jobs.clock = container.clock
    try:
        report = container.jobs.run(args.job, at)
    except KeyError:
        print(f"unknown job {args.job!r}; jobs: {', '.join(container.jobs.names())}", file=sys.stderr)
        return 2
    print(json.dumps(asdict(report), ensure_ascii=False))
    if args.deliver_console:
        from bot.delivery import ConsoleSender

        container.senders["console"] = ConsoleSender(sys.stdout, container.policy.team(container.policy.default_team).locale)
        container.deliverer.clock = container.clock
        while container.deliverer.run_once():
            pass
    return 0


def cmd_jobs_list(args: argparse.Namespace, settings: Settings) -> int:
    from bot.jobs import sweep_period

    container = _container(settings)
    now = container.clock.now()
    minutes = container.policy.sla.sweep_minutes
    from datetime import datetime, timedelta

    current = datetime.strptime(sweep_period(now, minutes), "%Y-%m-%dT%H:%MZ").replace(tzinfo=now.tzinfo)
    nxt = current + timedelta(minutes=minutes)
    print(f"{'job':<12} {'schedule':<16} next run (UTC)")
    for job in container.jobs.names():
        print(f"{job:<12} every {minutes} min   {nxt.strftime('%Y-%m-%d %H:%M')}")
    return 0


def cmd_scheduler(args: argparse.Namespace, settings: Settings) -> int:
    from bot.scheduler import run_scheduler

    container = _container(settings)
    run_scheduler(container, container.jobs)
    return 0


def cmd_outbox_list(args: argparse.Namespace, settings: Settings) -> int:
    import json

    container = _container(settings)
    rows = container.deliverer.list_rows(status=args.status)
    if args.json:
        for row in rows:
            print(json.dumps(row, ensure_ascii=False, default=str))
    else:
        for row in rows:
            print(f"{row['id']:>6} {row['status']:<8} {row['platform']:<8} {row['target']:<14} "
                  f"attempts={row['attempts']} {row['last_error'] or ''} {row['dedupe_key']}")
    return 0


def cmd_outbox_retry(args: argparse.Namespace, settings: Settings) -> int:
    container = _container(settings)
    if not container.deliverer.requeue(args.id):
        print(f"outbox row {args.id} not found", file=sys.stderr)
        return 2
    print(f"outbox row {args.id} queued again")
    return 0


def cmd_console(args: argparse.Namespace, settings: Settings) -> int:
    from bot.handlers.console import Console

    console = Console(_container(settings), args.user, as_json=args.json)
    if args.command:
        return 0 if console.run_lines([args.command]) else 1
    if not sys.stdin.isatty():
        return 0 if console.run_lines(sys.stdin) else 1
    console.interactive()
    return 0


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from werkzeug.serving import run_simple

    from bot.web import create_web_app

    container = _container(settings)
    app = create_web_app(container)
    stop = container.deliverer.start_background()
    if getattr(args, "with_scheduler", False):  # the single-process deployment (make run) hosts the scheduler
        import threading

        from bot.scheduler import run_scheduler

        threading.Thread(target=run_scheduler, args=(container, container.jobs), name="scheduler",
                         daemon=True).start()
    port = args.port or settings.port
    logging.getLogger(__name__).info("serving on :%s (slack %s)", port,
                                     "on" if settings.slack_enabled else "off")
    try:
        run_simple("0.0.0.0", port, app, threaded=True)
    finally:
        stop.set()
    return 0


def cmd_start(args: argparse.Namespace, settings: Settings) -> int:
    """What ``make run`` starts: the HTTP app with chat credentials, the console without."""
    if settings.slack_enabled:
        return cmd_serve(argparse.Namespace(port=None, with_scheduler=True), settings)
    print("No SLACK_BOT_TOKEN / SLACK_SIGNING_SECRET set: starting the local console.", file=sys.stderr)
    return cmd_console(argparse.Namespace(user=args.user, json=False, command=None), settings)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Sales-pipeline bot for Slack and Feishu")
    sub = parser.add_subparsers(dest="cmd", required=True)

    p = sub.add_parser("serve", help="run the HTTP app (POST /slack/events, GET /healthz)")
    p.add_argument("--port", type=int)
    p.add_argument("--with-scheduler", action="store_true",
                   help="also host the (leader-elected) scheduler: for a single-process deployment")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("console", help="the same commands in a terminal")
    p.add_argument("--user", default="U1", help="who you are (a member id from app.yaml, or any name)")
    p.add_argument("-c", dest="command", help='run one command and exit, e.g. -c "/crm check 字节跳动"')
    p.add_argument("--json", action="store_true", help="print each result as one JSON object per line")
    p.set_defaults(func=cmd_console)

    p = sub.add_parser("start", help="serve with chat credentials, else the console (used by make run)")
    p.add_argument("--user", default="U1")
    p.set_defaults(func=cmd_start)

    config = sub.add_parser("config", help="rules file tools").add_subparsers(dest="config_cmd", required=True)
    p = config.add_parser("check", help="validate a rules file and name the bad key")
    p.add_argument("file", nargs="?")
    p.set_defaults(func=cmd_config_check)

    db = sub.add_parser("db", help="database tools").add_subparsers(dest="db_cmd", required=True)
    p = db.add_parser("upgrade", help="apply migrations")
    p.set_defaults(func=cmd_db_upgrade)

    jobs = sub.add_parser("jobs", help="scheduled jobs").add_subparsers(dest="jobs_cmd", required=True)
    p = jobs.add_parser("run", help="run one job once, as if the time were --at")
    p.add_argument("job")
    p.add_argument("--at", help="ISO 8601 with a zone, e.g. 2026-12-01T10:00+08:00")
    p.add_argument("--deliver-console", action="store_true",
                   help="print the local console tenant's alerts now (previews and replays)")
    p.set_defaults(func=cmd_jobs_run)
    p = jobs.add_parser("list", help="the schedule with next run times")
    p.set_defaults(func=cmd_jobs_list)

    p = sub.add_parser("scheduler", help="the one process that fires the jobs (leader-elected)")
    p.set_defaults(func=cmd_scheduler)

    outbox = sub.add_parser("outbox", help="messages waiting, sent or parked").add_subparsers(dest="outbox_cmd",
                                                                                           required=True)
    p = outbox.add_parser("list")
    p.add_argument("--status", choices=["pending", "sent", "dead"])
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_outbox_list)
    p = outbox.add_parser("retry", help="queue a parked (dead) or pending row again")
    p.add_argument("id", type=int)
    p.set_defaults(func=cmd_outbox_retry)

    dedupe = sub.add_parser("dedupe", help="duplicate-detection tools").add_subparsers(dest="dedupe_cmd",
                                                                                     required=True)
    p = dedupe.add_parser("rekey", help="re-derive every client's name keys with this version's rules "
                                        "(db upgrade does it when the rules changed)")
    p.set_defaults(func=cmd_dedupe_rekey)
    p = dedupe.add_parser("eval", help="precision and recall of registration on labelled name pairs (JSONL)")
    p.add_argument("file", help="one JSON object per line: id, registered, query, same")
    p.add_argument("--json", action="store_true", help="one JSON object per pair, then a summary object")
    p.add_argument("--known-names", metavar="PATH", default=None,
                   help="the list of known company names to use (default: identity.known_names; \"\" for none)")
    p.set_defaults(func=cmd_dedupe_eval)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    settings = Settings()
    try:
        return args.func(args, settings)
    except (PolicyError, SchemaNotCurrent) as exc:
        print(exc, file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader went away (| head): stop quietly
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
