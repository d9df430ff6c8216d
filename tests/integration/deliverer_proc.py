"""A deliverer in a process of its own, for the crash tests (tests/integration/test_deliverer_crash.py).

    DATABASE_URL=… SLACK_API_URL=http://127.0.0.1:…/ SLACK_BOT_TOKEN=xoxb-test CRM_CONFIG=app.yaml \\
    CRM_TEST_LEASE=2 python -m tests.integration.deliverer_proc

It builds the Container from the environment, as ``python -m bot`` does (``bootstrap(Settings())``, the
system clock), gives it the Slack sender for ``SLACK_API_URL`` (the test's fake) and a Deliverer with a
lease of ``CRM_TEST_LEASE`` seconds, then runs delivery passes until no row is pending, or until
``CRM_TEST_DEADLINE`` seconds have passed (exit 3). It prints JSON lines on stdout:
``{"event": "ready"}``, then ``{"event": "done", "sent": n, "passes": p, "seconds": s}``.

With ``CRM_TEST_FREEZE_BEFORE_SEND=1`` the first send prints ``{"event": "frozen", "dedupe_key": …}`` and
blocks instead of calling the API: the claim is committed and nothing is posted, so the test can
SIGKILL the process exactly there.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
from datetime import timedelta


def emit(event: str, **fields: object) -> None:
    print(json.dumps({"event": event, "pid": os.getpid(), **fields}), flush=True)


def main() -> int:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s")
    from bot.bootstrap import bootstrap
    from bot.delivery import Deliverer
    from bot.handlers.slack_sender import SlackSender
    from bot.settings import Settings

    settings = Settings()
    container = bootstrap(settings)
    assert settings.slack_bot_token, "SLACK_BOT_TOKEN is needed"
    sender = SlackSender(settings.slack_bot_token, settings.slack_api_url)
    if os.environ.get("CRM_TEST_FREEZE_BEFORE_SEND"):
        def frozen(target: str, reply: object, dedupe_key: str) -> object:
            emit("frozen", dedupe_key=dedupe_key, target=target)
            threading.Event().wait()  # until SIGKILL
            raise AssertionError("unreachable")

        sender.send = frozen  # type: ignore[method-assign,assignment]
    container.senders["slack"] = sender
    deliverer = Deliverer(container.db, container.clock, container.senders,
                          lease=timedelta(seconds=float(os.environ.get("CRM_TEST_LEASE", "60"))),
                          batch=int(os.environ.get("CRM_TEST_BATCH", "20")))
    deadline = time.monotonic() + float(os.environ.get("CRM_TEST_DEADLINE", "20"))
    emit("ready")
    started, sent, passes = time.monotonic(), 0, 0
    while time.monotonic() < deadline:
        done = deliverer.run_once()
        sent, passes = sent + done, passes + 1
        if not done:
            if not deliverer.list_rows(status="pending", limit=1):
                emit("done", sent=sent, passes=passes, seconds=round(time.monotonic() - started, 3))
                container.db.dispose()
                return 0
            time.sleep(0.05)  # leased elsewhere, or not due yet
    emit("timeout", sent=sent, passes=passes)
    return 3


if __name__ == "__main__":
    sys.exit(main())
