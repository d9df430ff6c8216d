"""The composition root: one place where settings, policy, clock, store and service meet."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.clock import Clock, SystemClock
from bot.delivery import Deliverer, Sender
from bot.jobs import Jobs
from bot.policy import Policy, load_policy
from bot.service import Service
from bot.settings import Settings
from store.db import Database, create_database
from store.migrate import check_current


@dataclass
class Container:
    settings: Settings
    policy: Policy
    clock: Clock
    db: Database
    service: Service
    deliverer: Deliverer
    senders: dict[str, Sender] = field(default_factory=dict)
    jobs: Jobs | None = None


def bootstrap(settings: Settings | None = None, *, policy: Policy | None = None, clock: Clock | None = None,
              db: Database | None = None) -> Container:
    settings = settings or Settings()
    policy = policy or load_policy(settings.crm_config)
    clock = clock or SystemClock()
    if db is None:
        db = create_database(settings.database_url)
        check_current(db.engine)  # a clear message, not a "no such table" trace, on an unmigrated database
    service = Service(db, policy, clock)
    senders: dict[str, Sender] = {}
    deliverer = Deliverer(db, clock, senders)
    jobs = Jobs(db, policy, clock, service.pipeline.clocks)
    return Container(settings, policy, clock, db, service, deliverer, senders, jobs)
