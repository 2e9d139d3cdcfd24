"""Names beside codes: every result table keyed by a region, city, province, cluster or role.

A planner reads "Hefei 合肥" where the model computes with ``340100``. Result
tables keep their codes (to join and compute with) and carry, beside each
code column ``x``, an English ``x_name`` and a Chinese ``x_name_zh``; a table
indexed by codes carries ``name`` and ``name_zh`` as its first columns.

Names come from the user's tables first (``name`` and ``name_zh`` columns),
then from the bundled Delta data (41 cities, 4 provinces, the clusters, with
their sources in ``regionopt/data/SOURCES.md``) for the GB/T 2260 codes and
cluster ids it knows; a code nobody names keeps an empty name. Role codes get
readable labels (``rd`` -> "R&D", 研发).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

__all__ = ["ROLE_NAMES", "Names", "role_label"]

#: Readable labels of the default roles (English, Chinese).
ROLE_NAMES: dict[str, tuple[str, str]] = {
    "core": ("Core", "核心"),
    "rd": ("R&D", "研发"),
    "manufacturing": ("Manufacturing", "制造"),
    "supplier": ("Supplier", "配套"),
    "logistics": ("Logistics", "物流"),
}


def role_label(role: str, lang: str = "en") -> str:
    """``"R&D"`` for ``"rd"`` (``lang="zh"``: 研发); other roles with their first letter capitalised."""
    pair = ROLE_NAMES.get(str(role))
    if pair is None:
        return str(role).replace("_", " ").capitalize()
    return pair[1] if lang == "zh" else pair[0]


@functools.cache
def _delta() -> tuple[dict[str, str], dict[str, str]]:
    from .datasets import load_delta

    d = load_delta()
    en: dict[str, str] = {}
    zh: dict[str, str] = {}
    for code, row in d.cities.iterrows():
        en[str(code)] = str(row["name_en"])
        zh[str(code)] = str(row["name_zh"])
    for code, row in d.provinces.iterrows():
        en.setdefault(str(code), str(row["name_en"]))
        zh.setdefault(str(code), str(row["name_zh"]))
        en.setdefault(str(row["name_en"]), str(row["name_en"]))  # the cluster examples key provinces by name
        zh.setdefault(str(row["name_en"]), str(row["name_zh"]))
    for cid, row in d.clusters.iterrows():
        en[str(cid)] = str(row["name_en"])
        zh[str(cid)] = str(row["name_zh"])
    en["PLATFORM"] = "national coordination platform"
    zh["PLATFORM"] = "跨省域补充耕地国家统筹"
    return en, zh


@dataclass(frozen=True)
class Names:
    """Code -> English and Chinese names (the user's first, then the bundled Delta data)."""

    en: Mapping[str, str] = field(default_factory=dict)
    zh: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, en: Mapping[str, str | None] | None = None, zh: Mapping[str, str | None] | None = None) -> Names:
        """The user's names (empty ones ignored) over the bundled Delta names."""
        den, dzh = _delta()
        e = dict(den)
        z = dict(dzh)
        e.update({str(k): str(v) for k, v in (en or {}).items() if v})
        z.update({str(k): str(v) for k, v in (zh or {}).items() if v})
        return cls(e, z)

    def name(self, code: object) -> str:
        return self.en.get(str(code), "")

    def name_zh(self, code: object) -> str:
        return self.zh.get(str(code), "")

    def beside(self, df: pd.DataFrame, *columns: str) -> pd.DataFrame:
        """A copy of ``df`` with ``<col>_name`` and ``<col>_name_zh`` right after each code column ``col``.

        Existing ``<col>_name`` columns are kept (the Chinese one is added beside them).
        """
        out = df.copy()
        for col in columns:
            if col not in out.columns:
                continue
            codes = out[col].astype(str)
            pos = list(out.columns).index(col) + 1
            if f"{col}_name" not in out.columns:
                out.insert(pos, f"{col}_name", codes.map(lambda c: self.en.get(c, "")).to_numpy())
                pos += 1
            else:
                pos = list(out.columns).index(f"{col}_name") + 1
            if f"{col}_name_zh" not in out.columns:
                out.insert(pos, f"{col}_name_zh", codes.map(lambda c: self.zh.get(c, "")).to_numpy())
        return out

    def first(self, df: pd.DataFrame, level: int | str = 0) -> pd.DataFrame:
        """A copy of ``df`` (indexed by codes) with ``name`` and ``name_zh`` as its first columns."""
        out = df.copy()
        idx = out.index.get_level_values(level) if isinstance(out.index, pd.MultiIndex) else out.index
        codes = [str(c) for c in idx]
        if "name" in out.columns:
            filled = [n if isinstance(n, str) and n else self.en.get(c, "") for n, c in zip(out["name"], codes,
                                                                                                strict=True)]
            out = out.drop(columns="name")
        else:
            filled = [self.en.get(c, "") for c in codes]
        zh = [self.zh.get(c, "") for c in codes]
        if "name_zh" in out.columns:
            out = out.drop(columns="name_zh")
        out.insert(0, "name_zh", zh)
        out.insert(0, "name", filled)
        return out
