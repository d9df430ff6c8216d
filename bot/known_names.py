"""Loads the list of known names (``identity.known_names`` in app.yaml) for ``bot.rules.known``."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from bot.policy import PolicyError
from bot.rules.known import NO_KNOWN_NAMES, KnownNames

ROOT = Path(__file__).resolve().parents[1]


class KnownNamesError(PolicyError):
    """The list cannot be read: the path and line say where."""


@lru_cache(maxsize=4)
def load_known(path: str) -> KnownNames:
    """The list at ``path`` (relative to the project root unless absolute); "" for none.

    One JSON object per line: ``{"id": "meituan", "names": ["北京三快在线科技有限公司", "美团", "Meituan"]}``.
    """
    if not path:
        return NO_KNOWN_NAMES
    file = Path(path) if Path(path).is_absolute() else ROOT / path
    companies = []
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise KnownNamesError(f"identity.known_names: cannot read {file} ({exc.strerror})") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            companies.append((str(entry["id"]), [str(n) for n in entry["names"]]))
        except (ValueError, KeyError, TypeError) as exc:
            raise KnownNamesError(f"identity.known_names: {file}:{number}: expected one JSON object per line, "
                                  f'{{"id": "meituan", "names": ["美团", "Meituan"]}} ({exc})') from None
    return KnownNames.build(companies)
