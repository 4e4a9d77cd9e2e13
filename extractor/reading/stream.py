"""The figure stream the reader walks: a section's (or a footnote's) figures in order, the words
between them, and what those words say about a figure (its name, its period, whether another
figure can be its part). Shared by the indicator grammar (reader.py) and the typed formulas
(counts.py, documents.py)."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TypeVar

from ..document.report import Document, Figure
from ..document.text import collapse_ws, fold
from ..document.view import TextView, build_view, subtract
from ..numbers.parse import NumberMention
from ..numbers.units import UNIT_PATTERN, unit_of
from ..output.result import Evidence

T = TypeVar("T")

_CLAUSE_START = re.compile(r"[.;:,()]")
_CLAUSE_MARK = re.compile(r"[,;:()]|\.(?:\s|$)")
_STRONG_MARK = re.compile(r"[;:(]|\.(?:\s|$)")
_NAME_LEAD = re.compile(r"^\s*(?:(?:trong\s+do|trong\s+thang|gom|bao\s+gom|va|con|tinh\s+rieng)\b[:,]?\s*)+")
_NAME_TAIL = re.compile(r"(?:\s*\b(?:uoc\s+dat|uoc\s+tinh|uoc|dat|la|co|duoc|dat\s+khoang|khoang|hon|tren|gan))+\s*:?\s*$")
# the words _NAME_TAIL matches, as printed or with their diacritics lost
_TAIL_WORDS = frozenset("ước đạt tính là có được khoảng hơn trên gần uoc dat tinh la co duoc khoang hon tren gan".split())
# words that end a name read after its count: a comparison, a base, a list, a clause of its own
_AFTER_STOP = frozenset("tăng giảm đạt bằng chiếm so với trong gồm bao là như cụ chủ tại từ đến".split())
_AFTER_STOP = _AFTER_STOP | {fold(w) for w in _AFTER_STOP}  # as printed, or with the diacritics lost
_LABEL_MARK = re.compile(r"^[:(]\s*$")  # the clause mark right before the figure is a label's colon or bracket
# words that open a list end no name: "Kết quả cụ thể: 47 nghìn tấn", "Trong đó: 983,7 tỷ đồng"
_OPENS_LIST = re.compile(r"(?:^|\s)(?:trong\s+do|trong\s+so|bao\s+gom|gom|chu\s+yeu|cu\s+the|nhu(?:\s+sau)?)$")
# the words after a comparison that say what it is of: a plan, a total, a period
BASIS_WORDS = re.compile(r"^\s*(?:so\s+voi\s+)?(?:ke\s+hoach|du\s+toan|chi\s+tieu|muc\s+tieu|cung\s+ky|"
                         r"tong\s+so|thang\s+truoc|ky\s+truoc|nam\s+truoc|nam\s+\d{4})")
SAME_PERIOD = re.compile(r"^\s*(?:so\s+voi\s+)?cung\s+ky")
OTHER_PERIOD = re.compile(r"^\s*so\s+voi\s+(?:thang|ky|nam|quy)\b")
_PERIODS = (("cumulative", re.compile(r"luy\s+ke|tu\s+dau\s+nam|\b\d+\s+thang\s+dau")),
            ("as_of_date", re.compile(r"\bden\s+(?:het\s+)?(?:ngay|thang)?\s*\d")),
            ("month", re.compile(r"\btrong\s+thang\b|\bthang\s+\d")))


@dataclass
class Reading:
    """One figure as the prose states it, with what the words around it tie to it."""

    head: Figure
    name: str | None = None
    comparisons: dict[str, Figure] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    parts: list["Reading"] = field(default_factory=list)
    complete: bool | None = None
    end: int = 0  # document offset after the last figure read
    role: str = "value"  # the field the head fills: "change_percent" for a change printed without its value
    said: list[tuple[str, str]] = field(default_factory=list)  # each comparison's verb and role, in order


class Stream:
    """A run of figures (a section's own text or one footnote) and the words between them."""

    def __init__(self, doc: Document, figures: list[Figure], segments: list[tuple[int, int]], lead_from: int) -> None:
        self.doc = doc
        self.segments = segments
        self.lead_from = lead_from
        self.figs = figures
        self.figs = [with_unit_across_break(self, i) for i in range(len(figures))]
        self.claimed: set[int] = set()  # starts of figures a typed formula took: the indicator grammar skips them

    def free(self, i: int) -> bool:
        return self.figs[i].mention.start not in self.claimed

    def words(self, start: int, end: int) -> TextView:
        spans = [(max(a, start), min(b, end)) for a, b in self.segments if min(b, end) > max(a, start)]
        return build_view(self.doc.text, spans, drop=self.doc.layout.marker_spans())

    def gap(self, i: int) -> str:
        """Folded words between figure i and figure i+1 (after the last figure: to the stream end)."""
        end = self.figs[i + 1].mention.start if i + 1 < len(self.figs) else self.segments[-1][1]
        return fold(self.words(self.figs[i].mention.end, end).text)

    def before(self, i: int) -> str:
        """The words before figure i, back to the previous figure (NFC, as printed)."""
        start = self.figs[i - 1].mention.end if i > 0 else self.lead_from
        return self.words(start, self.figs[i].mention.start).text


def scan(stream: Stream, read_one: Callable[[Stream, int], tuple[T | None, int]]) -> list[T]:
    """What `read_one` finds walking the stream's figures from the first: `read_one(stream, i)`
    gives the item that starts at figure i, or None, and the figure to go on from."""
    found = []
    i = 0
    while i < len(stream.figs):
        item, i = read_one(stream, i)
        if item is not None:
            found.append(item)
    return found


def with_unit_across_break(stream: Stream, i: int) -> Figure:
    """A page break (and its footnote zone) may fall between a number and its unit ("758,8 tỷ
    <page break> đồng"): the unit printed first after the break is the figure's unit."""
    fig = stream.figs[i]
    m = fig.mention
    if m.unit is not None or m.kind == "fraction":
        return fig
    end = stream.figs[i + 1].mention.start if i + 1 < len(stream.figs) else stream.segments[-1][1]
    after = stream.words(m.end, end).text[:40]
    unit = UNIT_PATTERN.match(after)
    if unit is None or unit.start(1) > 1:
        return fig
    canonical, kind = unit_of(unit.group(1))
    return replace(fig, mention=replace(m, unit=canonical, kind=kind))


def change_basis(after: str) -> str:
    """What a change is against, by the words after it: the same period, another one, or unstated."""
    if SAME_PERIOD.match(after):
        return "same_period"
    if OTHER_PERIOD.match(after):
        return "other"
    return "unstated"


def sentence_end(gap: str) -> bool:
    return re.search(r"\.(?:\s|$)", gap) is not None


def compatible(a: Figure, b: Figure, loose: bool) -> bool:
    """Can b be a part (or a base) of a? Same unit; counts of related nouns ("lượt" / "lượt khách");
    in a footnote list cited at a count (loose), any count."""
    ma, mb = a.mention, b.mention
    if ma.unit == "%" or mb.unit == "%":
        return False
    if ma.unit == mb.unit:
        return ma.kind == mb.kind or {ma.kind, mb.kind} <= {"count", "number"}
    if ma.kind == "count" and mb.kind == "count":
        return loose or (ma.unit is not None and mb.unit is not None
                         and (ma.unit.startswith(mb.unit) or mb.unit.startswith(ma.unit)))
    return False


def name_before(stream: Stream, i: int, stop: int = 0) -> tuple[str | None, str | None]:
    """The words before the figure back to the clause start, when that is clearly a name, and the
    period they name (cumulative, as of a date, this month); `stop`: characters to leave out at
    their end (the verb of a change printed without its value)."""
    before = stream.before(i)
    before = before[:len(before) - stop]
    folded = fold(before)
    marks = list(_CLAUSE_START.finditer(folded))
    cut = marks[-1].end() if marks else 0
    if marks and _LABEL_MARK.search(folded[marks[-1].start():]) and _labelled(stream, i, folded[marks[-1].start()]):
        # "(3) Than: 47 nghìn tấn", "khoai tây (670 ha)": the name is the clause before the mark
        folded, before = folded[:marks[-1].start()], before[:marks[-1].start()]
        cut = max((m.end() for m in _CLAUSE_START.finditer(folded)), default=0)
    clause, fclause = before[cut:], folded[cut:]
    lead = _NAME_LEAD.match(fclause)
    if lead:
        clause, fclause = clause[lead.end():], fclause[lead.end():]
    tail = _NAME_TAIL.search(fclause)
    if tail and all(w in _TAIL_WORDS for w in clause[tail.start():].lower().replace(":", " ").split()):
        clause = clause[:tail.start()]  # "đạt", "là", "ước" — not "lá" of "thuốc lá", "dược" of "y dược"
    name = clause.strip(" :")
    found = name if 1 <= len(name.split()) <= 16 and not re.search(r"\b(?:tang|giam|so voi)\b", fold(name)) \
        and not _OPENS_LIST.search(fold(name)) else None
    for period, pattern in _PERIODS:
        if pattern.search(folded[-80:]):
            return found, period
    return found, None


def name_after(stream: Stream, i: int) -> str | None:
    """A count named by its noun and the words after it, where no words before name it: "có 48
    doanh nghiệp hoạt động trở lại, giảm 0,22%", "02 thôn NTM mới kiểu mẫu". Up to the clause's end
    or the first word that ties a comparison or opens a list; the noun alone names nothing."""
    m = stream.figs[i].mention
    if m.kind != "count" or m.unit is None:
        return None
    end = stream.figs[i + 1].mention.start if i + 1 < len(stream.figs) else stream.segments[-1][1]
    after = stream.words(m.end, end).text
    words: list[str] = []
    for word in after.split():
        bare = word.rstrip(",;:.()")
        if not bare or not bare[0].isalpha() or bare.lower() in _AFTER_STOP:
            break
        words.append(bare)
        if bare != word:
            break  # a clause mark ends the name
    while words and words[-1].lower() in ("và", "hoặc", "cùng", "cho", "va", "hoac", "cung"):
        words.pop()  # "02 nhiệm vụ lĩnh vực y dược và 07 nhiệm vụ …": the "và" joins the next count
    return f"{m.unit} {' '.join(words)}" if 1 <= len(words) <= 12 else None


def _labelled(stream: Stream, i: int, mark: str) -> bool:
    """Does the figure stand alone after its label: after a colon, or alone in brackets ("(670 ha)")?"""
    if mark == ":":
        return True
    return stream.gap(i).lstrip().startswith(")")


def no_quantity(m: NumberMention) -> bool:
    """A figure that states no quantity a report reports: a count of years or an age, which names a
    plan, an anniversary or an age group ("Kế hoạch … 5 năm 2026 - 2030", "kỷ niệm 96 năm Ngày thành
    lập", "trẻ dưới 01 tuổi"); a duration given as a bound ("tiêm vắc xin … < 24 giờ"); a threshold
    printed with a sign ("loại trừ uốn ván sơ sinh ≤ 1 trường hợp/trẻ đẻ sống")."""
    return m.unit in ("năm", "tuổi") or m.qualifier in _SIGNS or (m.kind == "duration" and m.qualifier in _BOUNDS)


def is_numbering(doc: Document, fig: Figure) -> bool:
    """A list item's number, "(3) Than: 47 nghìn tấn": a bare whole number in brackets that opens the
    text or follows a clause mark, and is followed by words."""
    m = fig.mention
    if m.unit or m.scale or m.kind not in ("number", "count") or m.number != m.number.to_integral_value() or not 0 < m.number < 100:
        return False
    return _ITEM_BEFORE.search(doc.text, max(0, m.start - 8), m.start) is not None \
        and _ITEM_AFTER.match(doc.text, m.end) is not None


_SIGNS = {"<", "≤", ">", "≥"}
_BOUNDS = _SIGNS | {"dưới", "trên", "tối đa", "tối thiểu"}
_ITEM_BEFORE = re.compile(r"(?:^|[:;.,])\s*\(\s*$", re.M)
_ITEM_AFTER = re.compile(r"\s*\)\s*[^\W\d_]")


def evidence(doc: Document, figures: list[Figure]) -> Evidence:
    """The passage from the first figure to the end of the last (a footnote's as printed)."""
    start = min(f.mention.start for f in figures)
    end = max(f.mention.end for f in figures)
    footnote = any(f.footnote for f in figures)
    return Evidence(quote=collapse_ws(doc.text[start:end]) if footnote else doc.view(start, end).text,
                    start=start, end=end)


def own_words(stream: Stream, i: int) -> str:
    """The figure's words: since the previous figure's clause ended, then its own up to a clause mark."""
    lead = fold(stream.before(i))
    if i > 0:
        first = _CLAUSE_MARK.search(lead)
        lead = lead[first.start():] if first else ""
    lead = lead.rstrip(" :")  # "số nhiệm vụ đã hoàn thành: 100": the label before its count
    cut = max((m.end() for m in _STRONG_MARK.finditer(lead)), default=0)
    tail = stream.gap(i)
    mark = _CLAUSE_MARK.search(tail)
    return lead[cut:] + " | " + (tail[:mark.start()] if mark else tail)


def section_stream(doc: Document, section_id: str) -> Stream | None:
    """The stream of a section's own text (footnotes and excluded zones left out), if it has figures."""
    sec = doc.section(section_id)
    own = [f for f in doc.figures if f.section_id == section_id and f.footnote is None
           and sec.start <= f.mention.start < sec.own_end]
    segments = subtract((sec.start, sec.own_end), doc.layout.excluded())
    return Stream(doc, own, segments, sec.start) if own and segments else None
