"""Statements the hot paths run, built once: building and cache-keying a statement cost more than
running it (every command reads its caller; every check runs the lookup, and the match rows of any near
misses it shows)."""

from __future__ import annotations

from sqlalchemy import and_, bindparam, cast, literal, null, select, union_all
from sqlalchemy.orm import aliased

from bot.rules.identity import KeyKind
from store.models import Client, ClientKey, ClientVariant, Lead, Member, Team

MANAGER = aliased(Member, name="manager")
# Built once: every command reads its caller, and building the statement cost more than running it.
MEMBER_VIEW = (select(Member.id, Member.tenant, Member.platform, Member.user_id, Member.display_name, Member.role,
                       Team.id, Team.key, Team.name, Team.timezone, Team.locale, Team.sync_channel, MANAGER.user_id)
                .join(Team, Team.id == Member.team_id)
                .outerjoin(MANAGER, MANAGER.id == Member.manager_id)
                .where(Member.tenant == bindparam("tenant"), Member.platform == bindparam("platform"),
                       Member.user_id == bindparam("user_id")))
# value IN (…) searches ix_client_key_lookup (tenant, value); callers check the kind.
KEY_VALUE_IN = and_(ClientKey.tenant == bindparam("tenant"), ClientKey.value.in_(bindparam("values", expanding=True)))
KEY_HITS = select(ClientKey.client_id, ClientKey.kind, ClientKey.value, ClientKey.qualifier).where(KEY_VALUE_IN)

CORE_KIND = KeyKind.CORE.value
KEY_COLUMNS = (ClientKey.client_id, ClientKey.tenant, ClientKey.kind, ClientKey.value, ClientKey.qualifier)

OWNER = aliased(Member, name="owner")
# A match as the reply shows it: the client, its open lead's owner, stage and protection.
MATCH_COLUMNS = (Client.name, Lead.owner_id, OWNER.display_name, OWNER.user_id, Lead.stage, Lead.protected_until)
OPEN_LEAD = and_(Lead.tenant == Client.tenant, Lead.client_id == Client.id, Lead.closed_at.is_(None),
                 Lead.pooled_at.is_(None))
MATCH_ROWS = (select(Client.id.label("client_id"), *MATCH_COLUMNS)
              .outerjoin(Lead, OPEN_LEAD)
              .outerjoin(OWNER, OWNER.id == Lead.owner_id)
              .where(Client.tenant == bindparam("tenant"), Client.id.in_(bindparam("ids", expanding=True))))
NO_MATCH_COLUMNS = tuple(cast(null(), column.type).label(column.key) for column in MATCH_COLUMNS)


# Built once (statement building and cache-keying cost more than running them): the clients sharing a
# variant with the query, after a client id (0: all), with the core each is stored under and its key's
# qualifier, read from client_variant alone (one index range per variant). Deletion variants (typos) and
# marked ones (sound keys, short starts, spellings) are capped apart, so that a crowded mark never cuts
# the typo candidates off. Rows are shaped as the core keys (client_id, tenant, kind, value, qualifier).
def _candidates(near: int, variants: str, limit: str):
    found = (select(ClientVariant.client_id, ClientVariant.tenant, ClientVariant.core, ClientVariant.qualifier)
             .where(ClientVariant.tenant == bindparam("tenant"),
                    ClientVariant.variant.in_(bindparam(variants, expanding=True)),
                    ClientVariant.client_id > bindparam("after"))
             .distinct().order_by(ClientVariant.client_id).limit(bindparam(limit)).subquery())
    return select(literal(near).label("near"), found.c.client_id, found.c.tenant, literal(CORE_KIND).label("kind"),
                  found.c.core.label("value"), found.c.qualifier)


NEAR_CANDIDATES = union_all(_candidates(1, "variants", "limit"), _candidates(2, "marked", "marked_limit"))
# check's whole lookup in one round trip: the exact key hits, the match rows of the first ``shown`` clients they
# hit (most checks show only those, and need no second statement; a crowded core's other clients are read
# only if shown), then the near-miss candidates' core keys.
KEY_HIT_ROWS = select(literal(0).label("near"), *KEY_COLUMNS, *NO_MATCH_COLUMNS).where(KEY_VALUE_IN)
FIRST_HIT_IDS = (select(ClientKey.client_id).where(KEY_VALUE_IN).distinct().order_by(ClientKey.client_id)
                 .limit(bindparam("shown")))
NO_KEY_COLUMNS = tuple(cast(null(), column.type).label(column.key) for column in KEY_COLUMNS[2:])
FIRST_HIT_MATCH_ROWS = (select(literal(3).label("near"), Client.id, Client.tenant, *NO_KEY_COLUMNS, *MATCH_COLUMNS)
                        .outerjoin(Lead, OPEN_LEAD)
                        .outerjoin(OWNER, OWNER.id == Lead.owner_id)
                        .where(Client.tenant == bindparam("tenant"), Client.id.in_(FIRST_HIT_IDS)))
LOOKUP = union_all(KEY_HIT_ROWS, FIRST_HIT_MATCH_ROWS,
                   _candidates(1, "variants", "limit").add_columns(*NO_MATCH_COLUMNS),
                   _candidates(2, "marked", "marked_limit").add_columns(*NO_MATCH_COLUMNS))
