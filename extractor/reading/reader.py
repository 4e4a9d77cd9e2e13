"""A deterministic reader of report prose: the formulas that carry most figures, read without a model.

Provincial reports state their figures in a small grammar every province repeats:

    <chỉ tiêu> (ước) đạt <giá trị>, đạt x% kế hoạch (Trung ương / tỉnh giao),
        tăng / giảm y% so với cùng kỳ (<giá trị cùng kỳ>), bằng z% cùng kỳ,
        trong đó: <phần> <giá trị>, đạt …, tăng …; <phần> <giá trị> (chiếm s%) …

The reader walks a section's number inventory (`doc.figures`) and reads the words between
consecutive figures (NFC, matched on the folded skeleton so lost diacritics still match). A
figure that is not a percentage opens a *reading*; the percentages and amounts the connecting
words tie to it ("đạt", "tăng", "giảm", "bằng", "chiếm", "so với cùng kỳ (") become its
comparisons; a list opener after it ("gồm" complete; "trong đó", "chủ yếu", "như", "cụ thể"
partial) makes the following figures of the same unit its parts, up to the sentence end (or
the clause end, when the list was not opened with a colon). A footnote cited at the figure and
opening with such words lists its parts instead. Readings become `Record`s labelled
{"source": "reader"}; the checks run on them whether or not a model ever answered.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from decimal import Decimal

from ..document.layout import Footnote
from ..document.report import Document, Figure
from ..document.text import collapse_ws, fold
from ..document.view import TextView, build_view, subtract
from ..kinds import kind_of
from ..numbers.units import UNIT_PATTERN, unit_of
from ..output.figures import figure_value
from ..output.result import Evidence, Record

SOURCE = "reader"
_OPENER = re.compile(r"\b(trong do|trong so|bao gom|gom|chu yeu|cu the|nhu)\b\s*(:)?")
_COMPLETE_OPENERS = ("gom", "bao gom")
_FOOTNOTE_OPENER = re.compile(r"\s*(trong do|chu yeu|bao gom|gom|cu the)\b")
# The connecting words between a figure and the next, after the last clause mark: what the
# next figure says about the head.
_CONNECTOR = re.compile(r"(?:^|[,;(:]\s*|\s)(?P<conn>(?:uoc\s+)?(?:dat|bang|tang|giam|chiem)(?:\s+them)?"
                        r"(?:\s+ty\s+le)?|)\s*$")
_BASIS_WORDS = re.compile(r"^\s*(?:so\s+voi\s+)?(?:ke\s+hoach|du\s+toan|chi\s+tieu|muc\s+tieu|cung\s+ky|"
                          r"tong\s+so|thang\s+truoc|ky\s+truoc|nam\s+truoc|nam\s+\d{4})")
_SAME_PERIOD = re.compile(r"^\s*(?:so\s+voi\s+)?cung\s+ky")
_OTHER_PERIOD = re.compile(r"^\s*so\s+voi\s+(?:thang|ky|nam|quy)\b")
_PLAN = re.compile(r"^\s*(?:so\s+voi\s+)?(?:ke\s+hoach|du\s+toan|chi\s+tieu|muc\s+tieu|tong\s+so)")
_CENTRAL = re.compile(r"trung\s+uong|thu\s+tuong|chinh\s+phu")
_PROVINCIAL = re.compile(r"\btinh\b")
_FRACTION_TAIL_LIMIT = 120
_HEAD_TAIL_LIMIT = 40  # words a head's unit may trail before its first comparison ("250ha rừng, đạt")
_CLAUSE_START = re.compile(r"[.;:,()]")
_NAME_LEAD = re.compile(r"^\s*(?:(?:trong\s+do|trong\s+thang|gom|bao\s+gom|va|con|tinh\s+rieng)\b[:,]?\s*)+")
_NAME_TAIL = re.compile(r"(?:\s*\b(?:uoc\s+dat|uoc\s+tinh|uoc|dat|la|co|duoc|dat\s+khoang|khoang|hon|tren|gan))+\s*:?\s*$")
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


class _Stream:
    """A run of figures (a section's own text or one footnote) and the words between them."""

    def __init__(self, doc: Document, figures: list[Figure], segments: list[tuple[int, int]], lead_from: int) -> None:
        self.doc = doc
        self.segments = segments
        self.lead_from = lead_from
        self.figs = figures
        self.figs = [_with_unit_across_break(self, i) for i in range(len(figures))]

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


def _with_unit_across_break(stream: _Stream, i: int) -> Figure:
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


def read_section(doc: Document, section_id: str) -> list[Record]:
    """The readings of one section's own text (and of footnotes cited in it), as records."""
    sec = doc.section(section_id)
    kind = kind_of(doc, sec)
    readings = [r for r in read_readings(doc, section_id) if _says_something(r)]
    return [_record(doc, r, section_id, kind, f"{section_id}#reader/{i}") for i, r in enumerate(readings)]


def _says_something(reading: Reading) -> bool:
    """A bare number with no unit and nothing tied to it ("quý 1", an OCR'd date) is no indicator."""
    m = reading.head.mention
    return bool(m.unit or m.scale or m.denominator or reading.comparisons or reading.parts)


def read_readings(doc: Document, section_id: str) -> list[Reading]:
    sec = doc.section(section_id)
    own = [f for f in doc.figures if f.section_id == section_id and f.footnote is None
           and sec.start <= f.mention.start < sec.own_end]
    segments = subtract((sec.start, sec.own_end), doc.layout.excluded())
    if not own or not segments:
        return []
    stream = _Stream(doc, own, segments, sec.start)
    readings = _read_stream(stream)
    notes = {fn.number: fn for fn in doc.footnotes if fn.section_id == section_id and fn.marker}
    for reading in readings:
        for each in [reading, *reading.parts]:
            if not each.parts:
                _attach_footnote(doc, stream, each, notes)
    listed = {int(r.labels["parts_footnote"]) for r in _all(readings) if "parts_footnote" in r.labels}
    for number, fn in sorted(notes.items()):
        if number not in listed:  # a footnote of its own prose: "Lũy kế …, xử lý 16.591 hồ sơ …"
            figs = [f for f in doc.figures if f.footnote == number]
            if figs:
                readings += _read_stream(_Stream(doc, figs, list(fn.spans), fn.spans[0][0]))
    return readings


def _all(readings: list[Reading]) -> list[Reading]:
    return [x for r in readings for x in [r, *_all(r.parts)]]


def _read_stream(stream: _Stream) -> list[Reading]:
    readings: list[Reading] = []
    i = 0
    n = len(stream.figs)
    while i < n:
        if stream.figs[i].mention.unit == "%" and not _opens_value(stream, i):
            i += 1
            continue
        reading, i = _read_head(stream, i)
        readings.append(reading)
    return readings


def _opens_value(stream: _Stream, i: int) -> bool:
    """A percentage that is itself the indicator ("Tỷ lệ … đạt 84,8%"), not a comparison."""
    before = fold(stream.before(i))
    return re.search(r"\bty\s+le\b[^,;.]*\b(?:dat|la)\s*$", before) is not None


def _read_head(stream: _Stream, i: int) -> tuple[Reading, int]:
    """Read the figure at i, its comparisons and its parts; return the index after them."""
    head = stream.figs[i]
    reading = Reading(head=head, end=head.mention.end)
    _name(stream, i, reading)
    last = i if head.mention.unit == "%" else _read_comparisons(stream, i, reading)
    j = last + 1
    if j >= len(stream.figs) or head.mention.unit == "%":
        return reading, j
    gap = stream.gap(last)
    opener = _OPENER.search(gap)
    if opener is not None and ("." in gap[:opener.start()] or _sentence_end(gap[:opener.start()])):
        return reading, j
    # "42.279 người được nhận quà (qua tài khoản … là 1.684 người; chi trả bằng tiền mặt là 40.595 người)"
    bracket = opener is None and head.mention.unit is not None and re.match(r"[^(),;]*\([^)]*$", gap) is not None \
        and not _sentence_end(gap)
    if opener is None and not bracket and not _shares_follow(stream, j, head, gap):
        return reading, j
    reading.complete = opener is not None and opener.group(1) in _COMPLETE_OPENERS
    colon = opener is not None and (opener.group(2) is not None or gap[opener.end():].lstrip().startswith(":"))
    ends: list[int] = []
    separator = None  # what parts are separated by: a ";" ends a list whose parts are separated by ","
    while j < len(stream.figs):
        fig = stream.figs[j]
        if fig.mention.unit == "%" or not compatible(head, fig, loose=False):
            break
        part = Reading(head=fig, end=fig.mention.end)
        _name(stream, j, part)
        part_last = _read_comparisons(stream, j, part)
        after = stream.gap(part_last) if part_last + 1 < len(stream.figs) else ""
        if _OPENER.search(after) and "." not in after:
            break  # this figure opens a list of its own: a new head, not a part
        if opener is None and not bracket and "share_percent" not in part.comparisons:
            break  # a list without opening words goes on as long as each part gives its share
        reading.parts.append(part)
        ends.append(part_last + 1)
        reading.end = part.end
        j = part_last + 1
        separator = separator or (";" if ";" in after else ",")
        if j >= len(stream.figs) or _sentence_end(after) or (bracket and ")" in after):
            break
        if not bracket and ";" in after and (not colon or separator == ","):
            break
    whole = max((k for k in range(2, len(reading.parts) + 1) if _shares_add_up(reading.parts[:k])), default=None)
    if whole is not None:  # "(chiếm 13,64%) … (chiếm 86,35%), (chiếm 0,01%)": the whole is listed;
        reading.parts = reading.parts[:whole]  # a share past 100% is of the whole, not a part of it
        reading.complete, reading.end, j = True, reading.parts[-1].end, ends[whole - 1]
    if not reading.parts:
        reading.complete = None
    return reading, j


def _shares_follow(stream: _Stream, j: int, head: Figure, gap: str) -> bool:
    """"trả kết quả 13.552 hồ sơ, trước hạn 1.848 hồ sơ (chiếm 13,64%), …": parts listed with
    their share of the figure before them, without opening words."""
    if _sentence_end(gap) or ";" in gap or j + 1 >= len(stream.figs):
        return False
    fig, share = stream.figs[j], stream.figs[j + 1]
    return compatible(head, fig, loose=False) and share.mention.unit == "%" \
        and re.fullmatch(r"\s*\(?\s*chiem(?:\s+ty\s+le)?\s*", stream.gap(j)) is not None


def _shares_add_up(parts: list[Reading]) -> bool:
    """Do the parts' printed shares make 100% (within their rounding)?"""
    shares = [s for p in parts if (s := p.comparisons.get("share_percent")) is not None]
    if len(parts) < 2 or len(shares) < len(parts):
        return False
    total = sum((s.mention.value for s in shares), Decimal(0))
    slack = sum((Decimal(1).scaleb(-s.mention.decimals) / 2 for s in shares), Decimal(0))
    return abs(total - 100) <= slack


def _sentence_end(gap: str) -> bool:
    return re.search(r"\.(?:\s|$)", gap) is not None


def _read_comparisons(stream: _Stream, i: int, reading: Reading) -> int:
    """Tie the following figures the connecting words make comparisons of the head; return
    the index of the last figure read."""
    head = reading.head
    last = i
    while last + 1 < len(stream.figs):
        gap = stream.gap(last)
        nxt = stream.figs[last + 1]
        m = _CONNECTOR.search(gap)
        if m is None or "." in gap or len(gap) > 120:
            break
        tail = gap[:m.start()] if m.start() > 0 else ""
        if last == i:
            # "44/65 xã, phường hoàn thành tổ chức Đại hội …, đạt 67,6%": a fraction's share may come later
            limit = _FRACTION_TAIL_LIMIT if head.mention.kind == "fraction" else _HEAD_TAIL_LIMIT
            if len(tail) > limit or _OPENER.search(tail) or ";" in tail or re.search(r"\bty\s+le\b", tail):
                break  # "51 đối tượng, tỷ lệ phá án đạt 86,36%": a rate of its own
        elif tail.strip(" ,;(") and not _BASIS_WORDS.match(tail):
            break
        conn = m.group("conn").split()
        after = stream.gap(last + 1)
        role = _role(conn, head, nxt, after, reading, m.group(0))
        if role is None or role in reading.comparisons:
            break
        reading.comparisons[role] = nxt
        reading.end = nxt.mention.end
        if role in ("change_percent", "change_amount", "same_period_percent"):
            reading.labels.setdefault("change_basis", _basis(after))
        if role in ("change_percent", "change_amount"):
            reading.labels["change_direction"] = "decrease" if conn[-1] == "giam" or conn[0] == "giam" \
                or (nxt.mention.number < 0) else "increase"
        last += 1
    return last


def _role(conn: list[str], head: Figure, nxt: Figure, after: str, reading: Reading, raw: str) -> str | None:
    m = nxt.mention
    verb = next((w for w in conn if w in ("dat", "bang", "tang", "giam", "chiem")), None)
    if m.unit == "%":
        if verb in ("tang", "giam"):
            return "change_percent"
        if verb == "chiem" or "ty le" in " ".join(conn) and verb is None:
            return "share_percent"
        if verb in ("dat", "bang"):
            if _SAME_PERIOD.match(after):
                return "same_period_percent"
            if _PLAN.match(after):
                basis = re.split(r"[,;(.]", after, maxsplit=1)[0]
                if _CENTRAL.search(basis):
                    return "plan_percent_central"
                if _PROVINCIAL.search(basis):
                    return "plan_percent_provincial"
                return "plan_percent"
            if verb == "dat" and not _OTHER_PERIOD.match(after):
                return "plan_percent"  # "đạt x%" with its basis unstated: of its target
            return None
        if verb is None and raw.strip().startswith("(") and "change_amount" in reading.comparisons:
            return "change_percent"  # "giảm 40 vụ (-69%)"
        return None
    if not compatible(head, nxt, loose=False) or m.kind == "fraction":
        return None
    if verb in ("tang", "giam"):
        return "change_amount"
    if verb is None and raw.strip().startswith("(") and reading.labels.get("change_basis") in ("same_period", "other") \
            and ("change_percent" in reading.comparisons or "change_amount" in reading.comparisons):
        return "previous_value"  # "… so với cùng kỳ (281 người)", "tăng 12 điểm so với năm 2024 (71,41 điểm)"
    return None


def _basis(after: str) -> str:
    if _SAME_PERIOD.match(after):
        return "same_period"
    if _OTHER_PERIOD.match(after):
        return "other"
    return "unstated"


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


def _name(stream: _Stream, i: int, reading: Reading) -> None:
    """The words before the figure back to the clause start, when that is clearly a name."""
    before = stream.before(i)
    folded = fold(before)
    cut = max((m.end() for m in _CLAUSE_START.finditer(folded)), default=0)
    clause, fclause = before[cut:], folded[cut:]
    lead = _NAME_LEAD.match(fclause)
    if lead:
        clause, fclause = clause[lead.end():], fclause[lead.end():]
    tail = _NAME_TAIL.search(fclause)
    if tail:
        clause = clause[:tail.start()]
    name = clause.strip(" :")
    words = name.split()
    if 1 <= len(words) <= 16 and not re.search(r"\b(?:tang|giam|so voi)\b", fold(name)):
        reading.name = name
    for period, pattern in _PERIODS:
        if pattern.search(folded[-80:]):
            reading.labels["period"] = period
            break


def _attach_footnote(doc: Document, stream: _Stream, reading: Reading, notes: dict[int, Footnote]) -> None:
    """A footnote cited at the figure (or right after its comparisons) that opens with "trong đó",
    "chủ yếu", "gồm" lists the figure's parts."""
    idx = stream.figs.index(reading.head)
    last = idx + len(reading.comparisons)
    gap_end = stream.figs[last + 1].mention.start if last + 1 < len(stream.figs) else stream.segments[-1][1]
    clause_end = gap_end
    m = re.search(r"[.;,]", stream.doc.text[reading.end:gap_end])
    if m:
        clause_end = reading.end + m.start() + 1
    for fn in notes.values():
        if fn.marker is None or not reading.head.mention.start <= fn.marker[0] <= clause_end:
            continue
        opener = _FOOTNOTE_OPENER.match(fold(fn.text))
        if opener is None:
            continue
        figs = [f for f in doc.figures if f.footnote == fn.number]
        if not figs:
            continue
        inner = _Stream(doc, figs, list(fn.spans), fn.spans[0][0])
        parts = [r for r in _read_stream(inner) if compatible(reading.head, r.head, loose=True)]
        units = {p.head.mention.unit for p in parts}
        if len(units) == 1 and units != {reading.head.mention.unit} and _names_other(stream, reading, units.pop()):
            continue  # "64 vụ, …, 82 đối tượng¹⁴" with a footnote of "vụ": it lists the other figure's parts
        if parts:
            reading.parts = parts
            reading.complete = opener.group(1) in _COMPLETE_OPENERS
            reading.labels["parts_footnote"] = str(fn.number)
            return


def _names_other(stream: _Stream, reading: Reading, unit: str | None) -> bool:
    """Does another figure of the same sentence count exactly this unit?"""
    if unit is None:
        return False
    idx = stream.figs.index(reading.head)
    for k in range(idx - 1, -1, -1):
        if _sentence_end(stream.gap(k)):
            return False
        if stream.figs[k].mention.unit == unit:
            return True
    return False


def _record(doc: Document, reading: Reading, section_id: str, kind: str, rid: str, rtype: str = "indicator") -> Record:
    figures = {"value": figure_value(reading.head)}
    figures.update({role: figure_value(f) for role, f in reading.comparisons.items()})
    start = reading.head.mention.start
    end = max(f.mention.end for f in [reading.head, *reading.comparisons.values()])
    quote = collapse_ws(doc.text[start:end]) if reading.head.footnote else doc.view(start, end).text
    rec = Record(id=rid, section_id=section_id, chunk_id=f"{section_id}#reader", kind=kind, type=rtype,
                 name=reading.name, figures=figures, labels={"source": SOURCE, **reading.labels},
                 parts=[_record(doc, p, section_id, kind, f"{rid}.parts[{k}]", "part")
                        for k, p in enumerate(reading.parts)],
                 parts_complete=reading.complete,
                 evidence=Evidence(quote=quote, start=start, end=end))
    return rec


def settles(figures: list[Figure], records: list[Record]) -> bool:
    """Does the reader account for every one of these figures, each record and part it opens
    with a name? Then a model asked about them has nothing to add to an indicators section."""
    used: dict[int, bool] = {}

    def mark(rec: Record) -> None:
        for role, fig in rec.figures.items():
            if fig is not None:
                used[fig.start] = used.get(fig.start, False) or role != "value" or rec.name is not None
        for part in rec.parts:
            mark(part)

    for rec in records:
        mark(rec)
    return bool(figures) and all(used.get(f.mention.start, False) for f in figures)


def is_reader_record(rec: Record) -> bool:
    return rec.labels.get("source") == SOURCE
