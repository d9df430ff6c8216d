"""Re-keying: clients registered under older name rules meet today's queries after ``db upgrade``."""

from __future__ import annotations

from sqlalchemy import delete, select, update

from bot.commands import Check, Register
from bot.known_names import load_known
from bot.rekey import FINGERPRINT_KEY, rekey, rekey_if_rules_changed
from store.models import Client, ClientKey, ClientVariant
from store.uow import UnitOfWork
from tests.conftest import actor


def registered_under_old_rules(container, db, name: str, old_core: str) -> int:
    """Register ``name``, then put back the keys an older version wrote: its core (and body) spelled
    ``old_core``, and no variants."""
    result = container.service.execute(actor("U1"), Register(name))
    assert result.kind == "registered"
    client_id = result.matches[0].client_id
    with UnitOfWork(db, write=True) as uow:
        s = uow.session
        s.execute(update(ClientKey).where(ClientKey.client_id == client_id, ClientKey.kind.in_(("core", "name")))
                  .values(value=old_core))
        s.execute(delete(ClientVariant).where(ClientVariant.client_id == client_id))
        uow.commit()
    return client_id


def keys(db, client_id: int) -> set[tuple[str, str]]:
    with db.engine.connect() as conn:
        return {(k, v) for k, v in conn.execute(select(ClientKey.kind, ClientKey.value)
                                               .where(ClientKey.client_id == client_id))}


class TestRekey:
    def test_old_keys_are_written_again_and_todays_queries_find_the_client(self, container, db, policy):
        old = registered_under_old_rules(container, db, "南通4建集团有限公司", "4建")
        assert container.service.execute(actor("U2"), Check("南通四建")).kind == "not_found"  # stale keys

        report = rekey(db, policy, load_known(policy.identity.known_names))

        assert (report.clients, report.changed, report.shared, report.unreadable) == (1, 1, [], [])
        assert keys(db, old) == {("name", "四建"), ("core", "四建")}
        found = container.service.execute(actor("U2"), Check("南通四建"))
        assert [m.client_id for m in found.matches] == [old]
        typo = container.service.execute(actor("U2"), Register("南通四建集团有限公司"))
        assert typo.kind == "conflict" and typo.matches[0].client_id == old

    def test_a_key_another_client_holds_is_shared_and_reported(self, container, db, policy):
        old = registered_under_old_rules(container, db, "南通4建集团有限公司", "4建")
        # Registered apart while the old keys could not meet: the same company twice.
        twin = container.service.execute(actor("U2"), Register("南通四建集团有限公司")).matches[0].client_id

        report = rekey(db, policy, load_known(policy.identity.known_names))

        assert report.shared == [(old, twin, "四建")]  # one line for the pair (its name and core keys)
        # both keep today's keys (its stale ones are gone): a check shows the two until a manager merges them
        assert keys(db, twin) == keys(db, old) == {("name", "四建"), ("core", "四建")}
        found = container.service.execute(actor("U3"), Check("南通四建"))
        assert sorted(m.client_id for m in found.matches) == sorted([old, twin])
        with db.engine.connect() as conn:
            assert conn.execute(select(Client.core).where(Client.id == old)).scalar_one() == "四建"
            assert conn.execute(select(ClientVariant.variant).where(ClientVariant.client_id == old)).all()

    def test_upgrade_rekeys_once_per_change_of_the_rules(self, container, db, policy):
        registered_under_old_rules(container, db, "南通4建集团有限公司", "4建")
        known = load_known(policy.identity.known_names)
        first = rekey_if_rules_changed(db, policy, known)
        assert first is not None and first.changed == 1
        assert rekey_if_rules_changed(db, policy, known) is None  # nothing changed since
        with UnitOfWork(db, write=True) as uow:
            uow.repos.settings.put(FINGERPRINT_KEY, "an older version")
            uow.commit()
        again = rekey_if_rules_changed(db, policy, known)
        assert again is not None and (again.clients, again.changed) == (1, 0)


def test_the_fingerprint_follows_the_list_of_known_names_and_the_name_rules(tmp_path):
    from bot.rekey import NAME_RULES, RULES, fingerprint

    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text('{"id": "meituan", "names": ["美团"]}\n', encoding="utf-8")
    b.write_text('{"id": "meituan", "names": ["美团", "Meituan"]}\n', encoding="utf-8")
    assert fingerprint(str(a)) == fingerprint(str(a)) != fingerprint(str(b)) != fingerprint("")
    assert "names.py" in NAME_RULES and "sla.py" not in NAME_RULES and (RULES / "sla.py").exists()
