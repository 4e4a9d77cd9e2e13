"""Gold relations: load them, locate them in a document, and tell which checks reach them
(the rules are in the package docstring, `extractor.eval`)."""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Optional

from ..document.report import Document, Figure
from ..errors import InputError
from ..output.result import Check

WINDOW = 600  # characters either side of a quote where a relation's figures are looked for

# Rules that check each kind of relation; an `other` relation is reached by any rule not named here.
RULES_FOR_KIND: dict[str, set[str]] = {
    "sum": {"identity", "parts_total"},
    "share_percent": {"share"},
    "fraction_percent": {"fraction"},
    "change_percent": {"change"},
    "change_abs": {"change_amount"},
}
_BASIC_RULES = set().union(*RULES_FOR_KIND.values()) | {"cumulative", "percent_range", "grounding", "name"}

_WS = re.compile(r"\s+")


@dataclass(frozen=True)
class Relation:
    id: str
    report: str
    line: int
    quote: str
    kind: str
    expression: str
    holds: Optional[bool]
    computed: Any = None
    note: str = ""

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Relation":
        return cls(id=d["id"], report=d["report"], line=d["line"], quote=d["quote"], kind=d["kind"],
                   expression=d["expression"], holds=d["holds"], computed=d.get("computed"), note=d.get("note", ""))

    def numbers(self) -> list[Decimal]:
        """The expression's numbers that may be printed (see the module docstring)."""
        found = expression_numbers(self.expression)
        if not isinstance(self.computed, (int, float)) or isinstance(self.computed, bool):
            return found
        computed = abs(Decimal(str(self.computed)))
        # The computed side is the number right after a plain "=": left out unless stated as well.
        stated = [n for n in _numbers_in(self.expression) if n == computed]
        after_equals = re.search(rf"(?<![<>])=\s*-?{re.escape(str(self.computed).lstrip('-'))}(?![\d.])",
                                 self.expression)
        return [n for n in found if n != computed] if len(stated) == 1 and after_equals else found


def load_relations(path: Path) -> list[Relation]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return [Relation.from_dict(d) for d in data]
    except FileNotFoundError:
        raise InputError(f"{path}: no such gold file") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{path}: not a gold relations file ({exc})") from None


class CollapsedText:
    """The text with every whitespace run made one space, and the way back to its offsets."""

    def __init__(self, text: str) -> None:
        chars: list[str] = []
        offsets: list[int] = []
        for m in re.finditer(r"\s+|\S+", text):
            if m.group().isspace():
                chars.append(" ")
                offsets.append(m.start())
            else:
                chars.extend(m.group())
                offsets.extend(range(m.start(), m.end()))
        self.text = "".join(chars)
        self._offsets = offsets

    def find(self, quote: str) -> list[tuple[int, int]]:
        """Every (start, end) in the original text where the quote occurs, whitespace-insensitively."""
        needle = _WS.sub(" ", unicodedata.normalize("NFC", quote)).strip()
        spans: list[tuple[int, int]] = []
        if not needle:
            return spans
        i = self.text.find(needle)
        while i >= 0:
            j = i + len(needle)
            spans.append((self._offsets[i], self._offsets[j - 1] + 1))
            i = self.text.find(needle, i + 1)
        return spans


_NUMBER = re.compile(r"(?<![\w.,])-?\d+(?:[.,]\d+)?")
_INTERVAL = re.compile(r"\[\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*\]")
_NOT_PRINTED = re.compile(r"×\s*100(?![\d.])|[−-]\s*1(?![\d.])|\bfootnote \d+")


def _numbers_in(expression: str) -> list[Decimal]:
    text = _INTERVAL.sub(lambda m: " " + str((Decimal(m.group(1)) + Decimal(m.group(2))) / 2) + " ", expression)
    return [abs(Decimal(m.group().replace(",", "."))) for m in _NUMBER.finditer(_NOT_PRINTED.sub(" ", text))]


def expression_numbers(expression: str) -> list[Decimal]:
    """The numbers an expression names, in order and without repeats (see the module docstring)."""
    return list(dict.fromkeys(_numbers_in(expression)))


@dataclass
class Location:
    relation: Relation
    quote_span: Optional[tuple[int, int]] = None
    figures: list[Figure] = field(default_factory=list)
    unresolved: list[Decimal] = field(default_factory=list)
    problem: str = ""

    @property
    def located(self) -> bool:
        return self.quote_span is not None and bool(self.figures)

    @property
    def starts(self) -> set[int]:
        return {f.mention.start for f in self.figures}


def _matches(fig: Figure, n: Decimal) -> bool:
    m = fig.mention
    as_ratio = m.kind == "percent" and abs(m.number) / 100 == n  # "2828.46/0.2115" is 21,15%
    return n in {abs(m.number), abs(m.value)} or as_ratio or (m.denominator is not None and m.denominator == n) \
        or (m.range_to is not None and abs(m.range_to) == n)


class Locator:
    """Places gold relations on one document's figures."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.collapsed = CollapsedText(doc.text)
        self._markers = {fn.number: fn.marker for fn in doc.footnotes if fn.marker}

    def _footnote_at(self, offset: int) -> Optional[int]:
        return next((fn.number for fn in self.doc.footnotes if any(s <= offset < e for s, e in fn.spans)), None)

    def _anchor(self, footnote: Optional[int], span: tuple[int, int]) -> Optional[tuple[int, int]]:
        """Where a thing stands in the body: its own span, or its footnote's marker."""
        return span if footnote is None else self._markers.get(footnote)

    def locate(self, rel: Relation) -> Location:
        loc = Location(rel)
        spans = self.collapsed.find(rel.quote)
        if not spans:
            loc.problem = "quote not found in the text"
            return loc
        if len(spans) > 1:
            loc.problem = f"quote found {len(spans)} times; the first is used"
        quote = loc.quote_span = spans[0]
        in_note = self._footnote_at(quote[0])
        where = self._anchor(in_note, quote)
        section = next((fn.section_id for fn in self.doc.footnotes if fn.number == in_note), None) \
            if in_note is not None else getattr(self.doc.section_at(quote[0]), "id", None)

        def distance(fig: Figure) -> Optional[tuple[bool, int]]:
            """(elsewhere, characters): figures beside the quote (both in the body, or in the same
            footnote) come before those of another footnote or of the body, measured at markers."""
            m = fig.mention
            elsewhere = fig.footnote != in_note
            near, span = ((where, self._anchor(fig.footnote, (m.start, m.end))) if elsewhere
                          else (quote, (m.start, m.end)))
            if near is None or span is None or fig.section_id != section:
                return None
            gap = max(0, near[0] - span[1], span[0] - near[1])
            return (elsewhere, gap) if gap <= WINDOW else None

        found: dict[int, Figure] = {}
        for n in rel.numbers():
            best = min(((d, f) for f in self.doc.figures if _matches(f, n) and (d := distance(f)) is not None),
                       key=lambda p: p[0], default=None)
            if best is None:
                loc.unresolved.append(n)
            else:
                found[best[1].mention.start] = best[1]
        loc.figures = [found[s] for s in sorted(found)]
        if not loc.figures and not loc.problem:
            loc.problem = "none of its numbers is a figure near the quote"
        return loc


# ---------------------------------------------------------------- judging checks against relations

FLAGS = ("fail", "warn")


def fits(rule: str, kind: str) -> bool:
    """Can a check of this rule decide a relation of this kind?"""
    return rule in RULES_FOR_KIND[kind] if kind in RULES_FOR_KIND else rule not in _BASIC_RULES


def reaches(check: Check, loc: Location) -> bool:
    if not loc.located or not fits(check.rule, loc.relation.kind):
        return False
    shared = loc.starts & {f.start for f in check.figures}
    return len(shared) >= min(2, len(loc.figures))


def judged(checks: list[Check]) -> list[Check]:
    """The checks the eval compares: source checks with a verdict."""
    return [c for c in checks if c.category == "source" and c.status in ("pass", "warn", "fail")]


@dataclass
class Outcome:
    """What the result did about one gold relation."""

    location: Location
    checks: list[Check] = field(default_factory=list)  # every check that reaches it

    def _held(self, check: Check) -> int:
        return len(self.location.starts & {f.start for f in check.figures})

    @property
    def covered(self) -> int:
        """How many of the relation's figures the best reaching check holds."""
        return max((self._held(c) for c in self.checks), default=0)

    @property
    def deciding(self) -> list[Check]:
        """The reaching checks that hold most of the relation's figures: they test this relation.
        A check of a neighbouring relation that shares a few of its figures (a growth check on
        the same amounts as a plan relation) does not decide it."""
        return [c for c in self.checks if self._held(c) == self.covered]

    @property
    def verdict(self) -> Optional[str]:
        if not self.checks:
            return None
        return "flag" if any(c.status in FLAGS for c in self.deciding) else "pass"

    @property
    def right(self) -> Optional[bool]:
        holds, verdict = self.location.relation.holds, self.verdict
        if verdict is None:
            return None
        if holds is None:
            return not any(c.status == "fail" and c.severity == "error" for c in self.deciding)
        return (verdict == "pass") == holds

    @property
    def state(self) -> str:
        """unlocated / not reached / right / FALSE FLAG / CAUGHT / missed / wrong."""
        holds = self.location.relation.holds
        if not self.location.located:
            return "unlocated"
        if self.verdict is None:
            return "not reached"
        if holds is False:
            return "caught" if self.verdict == "flag" else "missed"
        if holds is True and self.verdict == "flag":
            return "false flag"
        return "right" if self.right else "wrong"
