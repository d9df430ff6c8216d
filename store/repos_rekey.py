"""Repositories for the re-key (``bot.rekey``): the clients page by page and their stored keys, and the
application's settings (the name rules' fingerprint)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.models import AppSetting, Client, ClientKey, ClientVariant


class Settings:
    """app_setting: a few named values the application keeps about its database."""

    def __init__(self, session: Session) -> None:
        self.s = session

    def get(self, key: str) -> str | None:
        return self.s.scalar(select(AppSetting.value).where(AppSetting.key == key))

    def put(self, key: str, value: str) -> None:
        row = self.s.get(AppSetting, key)
        if row is None:
            self.s.add(AppSetting(key=key, value=value))
        else:
            row.value = value
        self.s.flush()


class Rekeying:
    def __init__(self, session: Session) -> None:
        self.s = session

    def tenants(self) -> list[str]:
        return list(self.s.scalars(select(Client.tenant).distinct().order_by(Client.tenant)))

    def page(self, tenant: str, after_id: int, limit: int) -> list[Client]:
        """Clients in id order after ``after_id``: the rekey's batches."""
        return list(self.s.scalars(select(Client).where(Client.tenant == tenant, Client.id > after_id)
                                   .order_by(Client.id).limit(limit)))

    def stored_keys(self, tenant: str, ids: Iterable[int]) -> dict[int, set[tuple[str, str, str]]]:
        """Each client's identity keys as (kind, value, qualifier)."""
        out: dict[int, set[tuple[str, str, str]]] = {cid: set() for cid in ids}
        rows = self.s.execute(select(ClientKey.client_id, ClientKey.kind, ClientKey.value, ClientKey.qualifier)
                              .where(ClientKey.tenant == tenant, ClientKey.client_id.in_(list(out))))
        for cid, kind, value, qualifier in rows:
            out[cid].add((kind, value, qualifier))
        return out

    def key_owner(self, tenant: str, key: tuple[str, str, str]) -> int | None:
        kind, value, qualifier = key
        return self.s.scalar(select(ClientKey.client_id).where(
            ClientKey.tenant == tenant, ClientKey.kind == kind, ClientKey.value == value,
            ClientKey.qualifier == qualifier))

    def drop_keys(self, tenant: str, client_id: int, keys: Iterable[tuple[str, str, str]]) -> None:
        for kind, value, qualifier in keys:
            self.s.execute(ClientKey.__table__.delete().where(
                ClientKey.tenant == tenant, ClientKey.client_id == client_id, ClientKey.kind == kind,
                ClientKey.value == value, ClientKey.qualifier == qualifier))

    def add_key(self, tenant: str, client_id: int, key: tuple[str, str, str]) -> int | None:
        """Insert one key; the client that already held it, if another did."""
        kind, value, qualifier = key
        holder = self.key_owner(tenant, key)
        self.s.execute(ClientKey.__table__.insert().values(tenant=tenant, client_id=client_id, kind=kind,
                                                           value=value, qualifier=qualifier))
        return holder if holder != client_id else None

    def drop_variants(self, tenant: str) -> None:
        """Every variant of the tenant's clients (the rekey writes them all again)."""
        self.s.execute(ClientVariant.__table__.delete().where(ClientVariant.tenant == tenant))
