"""Canonical indicator keys, so the same indicator lines up across reports and months.

Reports name an indicator in free text ("Tổng thu ngân sách nhà nước trên địa bàn", "Thu nội
địa", "mật"). `data/indicators.toml`, a table a domain expert edits, gives each canonical key
(`budget.revenue.total`) the names reports use, compared on folded text (no diacritics, lower
case, punctuation as spaces). A key may also require words of the section titles above the record (`titles`),
the key of the total a part falls under (`parent`: "Thu nội địa" is `budget.revenue.domestic`
as a part of the revenue total, or, with `titles`, in a budget section), or a record type
(`types`: every `tasks` record).
What no entry covers is listed by `extractor corpus unmatched`, so the table grows from use.
"""
from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from ..document.text import fold
from ..errors import ExtractorError


def folded(text: str | None) -> str:
    """The text as names are compared: folded, punctuation as spaces, spaces collapsed."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", fold(text or "")).split())


# Words a name carries about its period or its estimate, not about what is counted: "dự ước
# tổng lượng khách du lịch", "… trên địa bàn tỉnh tháng 01", "lũy kế 2 tháng …", "… đến
# 31/01/2026" (folded: the date's slashes are spaces by then).
_LEAD = re.compile(r"^(?:(?:du uoc|uoc tinh|uoc|du kien|luy ke(?: \d+ thang)?(?: dau nam)?|\d+ thang dau nam|"
                   r"trong thang|thang \d+(?: nam \d{4})?|tinh den(?: het)?(?: ngay)?(?: \d+)+|tu dau nam)\s+)+")
_TAIL = re.compile(r"(?:\s+(?:thang \d+(?: (?:nam )?\d{4})?|\d+ thang dau nam(?: \d{4})?|luy ke(?: \d+ thang)?|"
                   r"trong thang|tu dau nam(?: den nay)?|nam \d{4}|den(?: het)?(?: ngay)?(?: \d+)+))+$")


def plain_name(name: str | None) -> str:
    """A record name folded and without the words about its period: what an indicator's
    names are compared with (the period itself is the record's `period` label)."""
    text = folded(name)
    return _TAIL.sub("", _LEAD.sub("", text)) or text


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    unit: str | None
    names: frozenset[str]
    titles: tuple[str, ...]
    parent: str | None
    types: frozenset[str]

    def matches(self, rtype: str, name: str, title: str, parent_key: str | None) -> bool:
        """A part of its `parent`; or, if it lists `titles`, any record under such a section
        title (a model that did not nest "Thu nội địa" under the revenue total)."""
        in_title = any(t in title for t in self.titles)
        if self.parent is not None and self.parent != parent_key and not in_title:
            return False
        if self.titles and not in_title and self.parent is None:
            return False
        return rtype in self.types or (bool(name) and name in self.names)


class IndicatorTable:
    def __init__(self, entries: list[Indicator]) -> None:
        self.entries = entries
        self.by_key = {e.key: e for e in entries}
        # Entries that need the parent come first, so a part is matched as a part before its
        # name alone is looked at.
        self._order = sorted(entries, key=lambda e: e.parent is None)

    def key_of(self, rtype: str, name: str | None, title_path: str, parent_key: str | None = None) -> str | None:
        """The canonical key of a record, or None."""
        name_f, title_f = plain_name(name), folded(title_path)
        for entry in self._order:
            if entry.matches(rtype, name_f, title_f, parent_key):
                return entry.key
        return None


def load_table(path: Path | None = None) -> IndicatorTable:
    """The shipped table, or the one at `path` (EXTRACTOR_INDICATORS overrides the shipped one)."""
    given = path or (Path(os.environ["EXTRACTOR_INDICATORS"]) if os.environ.get("EXTRACTOR_INDICATORS") else None)
    if given is None:
        return _shipped()
    try:
        return _parse(given.read_text(encoding="utf-8"), str(given))
    except OSError as exc:
        raise ExtractorError(f"{given}: cannot read the indicator table ({exc.strerror or exc})") from None


@lru_cache(maxsize=1)
def _shipped() -> IndicatorTable:
    text = resources.files("extractor").joinpath("data/indicators.toml").read_text(encoding="utf-8")
    return _parse(text, "extractor/data/indicators.toml")


def _parse(text: str, where: str) -> IndicatorTable:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ExtractorError(f"{where}: not valid TOML ({exc})") from None
    entries = []
    for i, row in enumerate(data.get("indicator", [])):
        if not isinstance(row, dict) or not row.get("key"):
            raise ExtractorError(f"{where}: indicator #{i + 1} has no key")
        entries.append(Indicator(
            key=row["key"], label=row["label"] if "label" in row else row["key"], unit=row.get("unit"),
            names=frozenset(folded(n) for n in row.get("names", [])), titles=tuple(folded(t) for t in row.get("titles", [])),
            parent=row.get("parent"), types=frozenset(row.get("types", []))))
    keys = [e.key for e in entries]
    if len(set(keys)) != len(keys):
        raise ExtractorError(f"{where}: a key is listed twice ({', '.join(sorted({k for k in keys if keys.count(k) > 1}))})")
    unknown = {e.parent for e in entries if e.parent and e.parent not in keys}
    if unknown:
        raise ExtractorError(f"{where}: parent key not in the table: {', '.join(sorted(unknown))}")
    return IndicatorTable(entries)
