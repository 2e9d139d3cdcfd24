"""Fonts, language, names, units and colours shared by the plots."""

from __future__ import annotations

import re
import textwrap
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd
from matplotlib import font_manager

from ..names import ROLE_NAMES

Lang = Literal["auto", "en", "zh"]

#: CJK font families tried in this order (Simplified Chinese first).
CJK_FAMILIES: tuple[str, ...] = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Heiti SC",
    "Sarasa Gothic SC",
    "Noto Sans CJK JP",
    "Noto Sans CJK TC",
)
_CJK_FILE = re.compile(r"(cjk|wqy|wenquanyi|sourcehan|notosanssc|simhei|msyh|pingfang)", re.I)
_cjk_cache: list[str | None] = []


def cjk_font() -> str | None:
    """Name of an installed font family that has Chinese glyphs, or ``None``.

    Looks in matplotlib's font list first, then registers system font files
    whose names suggest CJK coverage (e.g. Debian's ``fonts-noto-cjk``).
    The answer is cached for the process.
    """
    if _cjk_cache:
        return _cjk_cache[0]
    found = _find_cjk()
    _cjk_cache.append(found)
    return found


def _find_cjk() -> str | None:
    def known() -> str | None:
        names = {f.name for f in font_manager.fontManager.ttflist}
        return next((fam for fam in CJK_FAMILIES if fam in names), None)

    hit = known()
    if hit is not None:
        return hit
    for path in font_manager.findSystemFonts():
        if _CJK_FILE.search(path):
            try:
                font_manager.fontManager.addfont(path)
            except Exception:  # an unreadable font file: skip it
                continue
    return known()


@dataclass(frozen=True)
class Style:
    """Resolved language and font family for one figure."""

    lang: Literal["en", "zh"]
    family: tuple[str, ...]

    def font(self, size: float | None = None, **kw: Any) -> dict[str, Any]:
        """Keyword arguments for a matplotlib text call."""
        out: dict[str, Any] = {"fontfamily": list(self.family)}
        if size is not None:
            out["fontsize"] = size
        out.update(kw)
        return out

    def prop(self, size: float | None = None) -> dict[str, Any]:
        """``prop=`` dictionary for a legend."""
        out: dict[str, Any] = {"family": list(self.family)}
        if size is not None:
            out["size"] = size
        return out

    def pick(self, en: str, zh: str) -> str:
        return zh if self.lang == "zh" else en


def style(lang: Lang = "auto") -> Style:
    """Resolve ``lang`` against the installed fonts.

    ``"auto"`` is Chinese when a CJK font is installed, English otherwise;
    ``"zh"`` without a CJK font warns and falls back to English (Chinese
    glyphs would print as empty boxes).
    """
    if lang not in ("auto", "en", "zh"):
        from ..errors import InputError

        raise InputError("lang must be 'auto', 'en' or 'zh'", table="plot", field="lang", value=lang)
    cjk = cjk_font()
    if lang == "zh" and cjk is None:
        warnings.warn(
            "no font with Chinese glyphs is installed (e.g. Debian: apt-get install fonts-noto-cjk); "
            "labelling in English",
            RuntimeWarning,
            stacklevel=3,
        )
    chosen: Literal["en", "zh"] = "zh" if lang in ("auto", "zh") and cjk is not None else "en"
    base = ("DejaVu Sans",)
    family = ((cjk, *base) if chosen == "zh" else (*base, cjk)) if cjk else base
    return Style(chosen, family)


# --------------------------------------------------------------------------- names
_ZH_SUFFIXES = ("维吾尔自治区", "壮族自治区", "回族自治区", "特别行政区", "自治区", "省", "市")


def short_zh(name: str) -> str:
    """``江苏省`` -> ``江苏``, ``苏州市`` -> ``苏州``; county names are kept whole."""
    for suf in _ZH_SUFFIXES:
        if name.endswith(suf) and len(name) - len(suf) >= 2:
            return name[: -len(suf)]
    return name


def unit_names(table: pd.DataFrame, st: Style, names: Mapping[str, str] | None = None) -> dict[str, str]:
    """Label per code: ``names`` first, then the table's name in the style's language.

    English falls back to the Chinese name where a CJK font is installed, else
    to the code.
    """
    out: dict[str, str] = {}
    has_cjk = any(cjk_font() == f for f in st.family)
    for code, row in table.iterrows():
        en = row.get("name_en")
        zh = row.get("name_zh")
        if st.lang == "zh" and isinstance(zh, str):
            label = short_zh(zh)
        elif isinstance(en, str):
            label = en
        elif isinstance(zh, str) and has_cjk:
            label = zh
        else:
            label = str(code)
        out[str(code)] = label
    if names:
        out.update({str(k): str(v) for k, v in names.items()})
    return out


# --------------------------------------------------------------------------- units
_UNIT_SUFFIXES: tuple[tuple[str, str, str], ...] = (
    ("_10k_cny_per_unit", "10k CNY per unit", "万元/单位"),
    ("_10k_cny_per_mu", "10k CNY per mu", "万元/亩"),
    ("_10k_cny", "10k CNY", "万元"),
    ("_billion_cny", "billion CNY", "十亿元"),
    ("_km2", "km²", "平方公里"),
    ("_km", "km", "公里"),
    ("_mu", "mu", "亩"),
    ("_10k", "10,000 persons", "万人"),
    ("_pct", "%", "%"),
)


def unit_of(column: str | None, st: Style) -> str:
    """The unit a column name carries by the project's naming convention, or ``""``."""
    if not column:
        return ""
    for suffix, en, zh in _UNIT_SUFFIXES:
        if column.endswith(suffix):
            return st.pick(en, zh)
    return ""


_QUANTITY_ZH = {
    "gain": "收益", "welfare": "福利", "autarky welfare": "自给福利", "price": "价格",
    "shadow price": "影子价格", "statutory price": "法定价格", "payment": "支付额", "amount": "数量",
    "area": "面积", "population": "人口", "gdp": "地区生产总值", "purchases": "购入额", "sales": "售出额",
    "project value": "项目价值", "reclamation cost": "复垦成本", "transaction cost": "交易成本",
    "price rent": "价格租", "red line share": "红线分成",
}


def quantity_of(column: str | None, st: Style | None = None) -> str:
    """``gain_10k_cny`` -> ``Gain`` (``收益`` in Chinese): the column name without its unit suffix."""
    if not column:
        return ""
    for suffix, _, _ in _UNIT_SUFFIXES:
        if column.endswith(suffix):
            column = column[: -len(suffix)]
            break
    words = column.replace("_", " ").strip()
    if st is not None and st.lang == "zh" and words.lower() in _QUANTITY_ZH:
        return _QUANTITY_ZH[words.lower()]
    return words.capitalize()


def with_unit(label: str, unit: str) -> str:
    return f"{label} ({unit})" if unit else label


# --------------------------------------------------------------------------- roles and channels
#: Readable role labels (English, Chinese): the library's (:data:`regionopt.names.ROLE_NAMES`) plus "member".
ROLE_LABELS: dict[str, tuple[str, str]] = {**ROLE_NAMES, "member": ("Member (role not given)", "成员(分工未定)")}
#: Role colours (Okabe–Ito palette, distinguishable with common colour-vision deficiencies).
ROLE_COLORS: dict[str, str] = {
    "core": "#D55E00",
    "rd": "#CC79A7",
    "manufacturing": "#0072B2",
    "supplier": "#009E73",
    "logistics": "#E69F00",
    "member": "#999999",
}
#: Land-quota trading channels: label (English, Chinese) and colour.
CHANNELS: dict[str, tuple[str, str, str]] = {
    "within_province": ("Within a province", "省内调剂", "#0072B2"),
    "bilateral": ("Bilateral, city to city", "城市间协议", "#D55E00"),
    "platform": ("National platform", "国家统筹平台", "#009E73"),
}
_EXTRA_COLORS = ("#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")


def role_label(role: str, st: Style) -> str:
    en, zh = ROLE_LABELS.get(role, (role.replace("_", " ").capitalize(), role))
    return st.pick(en, zh)


def role_color(role: str, order: list[str]) -> str:
    if role in ROLE_COLORS:
        return ROLE_COLORS[role]
    extra = [r for r in order if r not in ROLE_COLORS]
    return _EXTRA_COLORS[extra.index(role) % len(_EXTRA_COLORS)] if role in extra else "#666666"


def role_order(roles: list[str]) -> list[str]:
    known = [r for r in ROLE_COLORS if r in roles]
    return known + sorted(r for r in set(roles) if r not in ROLE_COLORS)


def channel_style(channel: str, st: Style, i: int = 0) -> tuple[str, str]:
    if channel in CHANNELS:
        en, zh, color = CHANNELS[channel]
        return st.pick(en, zh), color
    return channel.replace("_", " "), _EXTRA_COLORS[i % len(_EXTRA_COLORS)]


# --------------------------------------------------------------------------- text
def wrap(text: str, width_in: float, size: float, st: Style) -> str:
    """Wrap ``text`` to fit ``width_in`` inches at ``size`` points (never cut)."""
    per_char = size / 72 * (0.95 if st.lang == "zh" else 0.55)
    cols = max(12, int(width_in / per_char))
    if st.lang == "zh" and not any(c == " " for c in text):
        return "\n".join(text[i : i + cols] for i in range(0, len(text), cols))
    return "\n".join(textwrap.wrap(text, cols)) or text


def fmt(value: float) -> str:
    """Readable number: thousands separators, at most 3 significant decimals."""
    a = abs(value)
    if a >= 100:
        return f"{value:,.0f}"
    if a >= 1:
        return f"{value:,.1f}"
    return f"{value:.3g}"


#: Land-quota ledgers (English, Chinese).
LEDGER_LABELS: dict[str, tuple[str, str]] = {
    "construction": ("Construction-land quota", "建设用地指标"),
    "area": ("Supplementary-farmland quota, area", "补充耕地指标(面积)"),
    "paddy": ("Supplementary-farmland quota, paddy", "补充耕地指标(水田)"),
    "grain": ("Supplementary-farmland quota, grain capacity", "补充耕地指标(粮食产能)"),
}
_UNIT_ZH = {"mu": "亩", "100 kg grain capacity": "百公斤粮食产能", "10k CNY": "万元"}


def ledger_label(ledger: str, st: Style) -> str:
    en, zh = LEDGER_LABELS.get(ledger, (ledger, ledger))
    return st.pick(en, zh)


def unit_label(unit: str, st: Style) -> str:
    return _UNIT_ZH.get(unit, unit) if st.lang == "zh" else unit


def known_names(codes: list[str], st: Style, names: Mapping[str, str] | None = None) -> dict[str, str]:
    """Labels for region codes without needing the maps extra where possible.

    Uses the bundled Delta data (41 cities, 4 provinces) and the province name
    table; other codes are looked up in :mod:`regionopt.geo` when it is
    installed, else shown as codes.
    """
    from ..datasets import load_delta
    from ..geo import PROVINCE_NAMES_EN

    d = load_delta()
    table = pd.concat([d.cities[["name_en", "name_zh"]], d.provinces[["name_en", "name_zh"]]])
    table = table[~table.index.duplicated()]
    missing = [c for c in codes if c not in table.index]
    if missing:
        extra = pd.DataFrame(
            {"name_en": [PROVINCE_NAMES_EN.get(c) for c in missing], "name_zh": [None] * len(missing)},
            index=missing,
        )
        try:
            from .. import geo

            pool = pd.concat([geo.provinces("china"), geo.cities("china")])[["name_en", "name_zh"]]
            pool = pool[~pool.index.duplicated()]
            if any(c not in pool.index for c in missing):
                pool = pd.concat([pool, geo.counties("china")[["name_en", "name_zh"]]])
            hit = [c for c in missing if c in pool.index]
            extra.loc[hit, "name_zh"] = pool.loc[hit, "name_zh"].to_numpy()
            extra.loc[hit, "name_en"] = extra.loc[hit, "name_en"].fillna(pool.loc[hit, "name_en"])
        except ImportError:  # maps extra not installed: codes stay codes
            pass
        table = pd.concat([table, extra])
    return unit_names(table.loc[[c for c in codes if c in table.index]], st, names) | {
        c: (names or {}).get(c, c) for c in codes if c not in table.index
    }
