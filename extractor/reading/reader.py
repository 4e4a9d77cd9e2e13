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

Before the indicators, the typed formulas of the section's kind take their figures: tasks and
dossiers (counts.py), documents issued (documents.py), security incidents (incidents.py). Words
around a figure: stream.py; parts listed in a footnote: footnotes.py; changes after the figures
they change: refs.py; a list's elided bases: ellipsis.py. The checks: checks.py and the modules it names.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

from ..document.report import Document, Figure
from ..document.text import collapse_ws, fold
from ..kinds import kind_of, record_model, record_type, reply_model
from ..output.figures import figure_value
from ..output.result import Evidence, Record
from . import flows
from .changes import opens_change, read_change
from .counts import DOSSIERS, TASKS, counted_record, read_counts
from .directives import read_directives
from .documents import issued_record, read_documents
from .ellipsis import elided_role, follows
from .footnotes import attach_footnote
from .incidents import RTYPE as INCIDENTS
from .incidents import incident_record, read_incidents
from .refs import attach_changes_back
from .stream import (
    BASIS_WORDS,
    OTHER_PERIOD,
    SAME_PERIOD,
    Reading,
    Stream,
    change_basis,
    compatible,
    name_after,
    name_before,
    no_quantity,
    section_stream,
    sentence_end,
)

SOURCE = "reader"
LABELS = frozenset({"period", "change_direction"})  # the schemas' labels the reader reads where the text states them
READ_LABELS = LABELS | {flows.FIELD}  # … and those it reads where a record's name states them (a budget line's flow)
_OPENER = re.compile(r"\b(trong do|trong so|bao gom|gom|chu yeu|cu the|nhu)\b\s*(:)?")
_COMPLETE_OPENERS = ("gom", "bao gom")
# The connecting words between a figure and the next, after the last clause mark: what the
# next figure says about the head.
_CONNECTOR = re.compile(r"(?:^|[,;(:]\s*|\s)(?P<conn>(?:uoc\s+)?(?:dat|bang|tang|giam|chiem)(?:\s+them)?"
                        r"(?:\s+ty\s+le)?|)\s*$")
_PLAN = re.compile(r"^\s*(?:so\s+voi\s+)?(?:ke\s+hoach|du\s+toan|chi\s+tieu|muc\s+tieu|tong\s+so)")
_CENTRAL = re.compile(r"trung\s+uong|thu\s+tuong|chinh\s+phu")
_PROVINCIAL = re.compile(r"\btinh\b")
_VERBS = ("dat", "bang", "tang", "giam", "chiem")
_FRACTION_TAIL_LIMIT = 120
_HEAD_TAIL_LIMIT = 40  # words a head's unit may trail before its first comparison ("250ha rừng, đạt")


def read_section(doc: Document, section_id: str) -> list[Record]:
    """The readings of one section's own text (and of footnotes cited in it), as records: first the
    typed formulas of the section's kind (tasks, documents, dossiers), then the indicators."""
    sec = doc.section(section_id)
    kind = kind_of(doc, sec)
    typed: list[Record] = []
    if record_type(kind, reply_model(kind)) == "directive":  # a directive's bodies and deadline (directives.py)
        typed += read_directives(doc, section_id, kind, SOURCE)
    readings = [r for r in read_readings(doc, section_id, lambda s: typed.extend(_read_typed(doc, s, kind, typed)))
                if _says_something(r)]
    return typed + [_record(doc, r, section_id, kind, f"{section_id}#reader/{i}") for i, r in enumerate(readings)]


def _read_typed(doc: Document, stream: Stream, kind: str, before: list[Record]) -> list[Record]:
    """The typed records of one stream whose kind's schema has them; their figures are claimed."""
    section_id = stream.figs[0].section_id if stream.figs else ""
    # a section's stream holds figures of that section; a footnote's, those of the one footnote of that
    # number (numbers only rise), which read_readings took from the section's notes
    assert section_id is not None
    found: list[Record] = []

    def rid() -> str:
        return f"{section_id}#reader/typed{len(before) + len(found)}"

    # one id each: rid() counts what is found so far, so each record is appended before the next is built
    for formula in (TASKS, DOSSIERS):
        if record_model(kind, formula.rtype) is not None:
            for count in read_counts(stream, formula):
                found.append(counted_record(doc, count, section_id, kind, rid(), SOURCE))
    if record_model(kind, "documents") is not None:
        for issued in read_documents(stream):
            found.append(issued_record(doc, issued, section_id, kind, rid(), SOURCE))
    if record_model(kind, INCIDENTS) is not None:
        for incident in read_incidents(stream):
            found.append(incident_record(doc, incident, section_id, kind, rid(), SOURCE))
    for rec in found:
        stream.claimed |= {f.start for f in (*rec.figures.values(), *(p.figures["value"] for p in rec.parts)) if f}
    return found


def _says_something(reading: Reading) -> bool:
    """A bare number with no unit and nothing tied to it ("quý 1", an OCR'd date) is no indicator,
    nor is a figure that states no quantity (`stream.no_quantity`) with nothing tied to it, nor
    one the words before it do not name ("…, trong đó tặng Bằng khen cho 46 tập thể"): such a
    record would say no more than the figure, and it is left to the model."""
    m = reading.head.mention
    if reading.comparisons or reading.parts:
        return True
    return reading.name is not None and bool(m.unit or m.scale) and not no_quantity(m)


def read_readings(doc: Document, section_id: str,
                  typed: Callable[[Stream], None] | None = None) -> list[Reading]:
    """The indicator readings of a section and of its footnotes of their own prose; `typed` reads
    each stream first (the typed formulas), and the figures it claims are not read again."""
    stream = section_stream(doc, section_id)
    if stream is None:
        return []
    if typed is not None:
        typed(stream)
    readings = attach_changes_back(stream, _read_stream(stream))
    notes = {fn.number: fn for fn in doc.footnotes if fn.section_id == section_id and fn.marker}
    for reading in readings:
        for each in [reading, *reading.parts]:
            if not each.parts:
                attach_footnote(doc, stream, each, notes, _read_stream)
    listed = {int(r.labels["parts_footnote"]) for r in _all(readings) if "parts_footnote" in r.labels}
    for number, fn in sorted(notes.items()):
        if number not in listed:  # a footnote of its own prose: "Lũy kế …, xử lý 16.591 hồ sơ …"
            figs = [f for f in doc.figures if f.footnote == number]
            if figs:
                prose = Stream(doc, figs, list(fn.spans), fn.spans[0][0])
                if typed is not None:
                    typed(prose)
                readings += _read_stream(prose)
    return readings


def _all(readings: list[Reading]) -> list[Reading]:
    return [x for r in readings for x in [r, *_all(r.parts)]]


def _read_stream(stream: Stream) -> list[Reading]:
    readings: list[Reading] = []
    i = 0
    n = len(stream.figs)
    while i < n:
        if stream.free(i) and stream.figs[i].mention.unit == "%" and opens_change(stream, i):
            reading, i = read_change(stream, i)  # "chỉ số … tăng 14,77% so với cùng kỳ": a change without its value
        elif not stream.free(i) or stream.figs[i].mention.unit == "%" and not _opens_value(stream, i):
            i += 1
            continue
        else:
            reading, i = _read_head(stream, i, follows(stream, readings[-1] if readings else None, i))
        readings.append(reading)
    return readings


def _opens_value(stream: Stream, i: int) -> bool:
    """A percentage that is itself the indicator ("Tỷ lệ … đạt 84,8%"), not a comparison."""
    before = fold(stream.before(i))
    return re.search(r"\bty\s+le\b[^,;.]*\b(?:dat|la)\s*$", before) is not None


def _read_head(stream: Stream, i: int, like: Reading | None = None) -> tuple[Reading, int]:
    """Read the figure at i, its comparisons and its parts; return the index after them. `like` is
    the reading before it in the same list, whose comparisons an elided one repeats."""
    head = stream.figs[i]
    reading = Reading(head=head, end=head.mention.end)
    _name(stream, i, reading)
    last = i if head.mention.unit == "%" else _read_comparisons(stream, i, reading, like)
    j = last + 1
    if j >= len(stream.figs) or head.mention.unit == "%":
        return reading, j
    gap = stream.gap(last)
    opener = _OPENER.search(gap)
    if opener is not None and ("." in gap[:opener.start()] or sentence_end(gap[:opener.start()])):
        return reading, j
    # "42.279 người được nhận quà (qua tài khoản … là 1.684 người; chi trả bằng tiền mặt là 40.595 người)"
    bracket = opener is None and head.mention.unit is not None and re.match(r"[^(),;]*\([^)]*$", gap) is not None \
        and not sentence_end(gap)
    if opener is None and not bracket and not _shares_follow(stream, j, head, gap):
        return reading, j
    reading.complete = opener is not None and opener.group(1) in _COMPLETE_OPENERS
    colon = opener is not None and (opener.group(2) is not None or gap[opener.end():].lstrip().startswith(":"))
    ends: list[int] = []
    separator = None  # what parts are separated by: a ";" ends a list whose parts are separated by ","
    while j < len(stream.figs):
        fig = stream.figs[j]
        if not stream.free(j) or fig.mention.unit == "%" or not compatible(head, fig, loose=False):
            break
        part = Reading(head=fig, end=fig.mention.end)
        _name(stream, j, part)
        part_last = _read_comparisons(stream, j, part, reading.parts[-1] if reading.parts else None)
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
        if j >= len(stream.figs) or sentence_end(after) or (bracket and ")" in after):
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


def _shares_follow(stream: Stream, j: int, head: Figure, gap: str) -> bool:
    """"trả kết quả 13.552 hồ sơ, trước hạn 1.848 hồ sơ (chiếm 13,64%), …": parts listed with
    their share of the figure before them, without opening words."""
    if sentence_end(gap) or ";" in gap or j + 1 >= len(stream.figs):
        return False
    if not stream.free(j) or not stream.free(j + 1):
        return False
    fig, share = stream.figs[j], stream.figs[j + 1]
    return compatible(head, fig, loose=False) and share.mention.unit == "%" \
        and re.fullmatch(r"\s*\(?\s*chiem(?:\s+ty\s+le)?\s*", stream.gap(j)) is not None


def _shares_add_up(parts: list[Reading]) -> bool:
    """Do the parts' printed shares make 100% (within their rounding)?"""
    shares = [s for p in parts if (s := p.comparisons.get("share_percent")) is not None]
    if len(parts) < 2 or len(shares) < len(parts):
        return False
    total = sum((s.mention.value for s in shares), start=Decimal(0))
    slack = sum((Decimal(1).scaleb(-s.mention.decimals) / 2 for s in shares), start=Decimal(0))
    return abs(total - 100) <= slack


def _read_comparisons(stream: Stream, i: int, reading: Reading, like: Reading | None = None) -> int:
    """Tie the following figures the connecting words make comparisons of the head; return
    the index of the last figure read. A comparison whose basis the words leave out takes the
    role of `like`'s at the same place (`ellipsis.elided_role`)."""
    head = reading.head
    last = i
    while last + 1 < len(stream.figs):
        gap = stream.gap(last)
        nxt = stream.figs[last + 1]
        if not stream.free(last + 1):
            break
        m = _CONNECTOR.search(gap)
        if m is None or "." in gap or len(gap) > 120:
            break
        tail = gap[:m.start()] if m.start() > 0 else ""
        if last == i:
            # "44/65 xã, phường hoàn thành tổ chức Đại hội …, đạt 67,6%": a fraction's share may come later
            limit = _FRACTION_TAIL_LIMIT if head.mention.kind == "fraction" else _HEAD_TAIL_LIMIT
            if len(tail) > limit or _OPENER.search(tail) or ";" in tail or re.search(r"\bty\s+le\b", tail):
                break  # "51 đối tượng, tỷ lệ phá án đạt 86,36%": a rate of its own
        elif tail.strip(" ,;(") and not BASIS_WORDS.match(tail):
            break
        conn = m.group("conn").split()
        after = stream.gap(last + 1)
        verb = next((w for w in conn if w in _VERBS), "")
        role = elided_role(like, len(reading.said), verb, nxt.mention.unit, after) if like is not None else None
        role = role or _role(conn, verb, head, nxt, after, reading, m.group(0))
        if head.mention.kind == "fraction" and role in ("plan_percent", "share_percent"):
            role = "ratio_percent"  # "958/970 trẻ, đạt 98,8%": the fraction's own ratio, whatever it is of
        if role is None or role in reading.comparisons:
            break
        reading.comparisons[role] = nxt
        reading.said.append((verb, role))
        reading.end = nxt.mention.end
        if role in ("change_percent", "change_amount", "same_period_percent"):
            basis = change_basis(after)
            if basis == "unstated" and like is not None and (verb, role) in like.said:
                basis = like.labels.get("change_basis", basis)  # "…, bằng 103,7%" after "bằng 97,1% so với cùng kỳ"
            reading.labels.setdefault("change_basis", basis)
        if role in ("change_percent", "change_amount"):
            reading.labels["change_direction"] = "decrease" if conn[-1] == "giam" or conn[0] == "giam" \
                or (nxt.mention.number < 0) else "increase"
        last += 1
    return last


def _role(conn: list[str], verb: str, head: Figure, nxt: Figure, after: str, reading: Reading,
          raw: str) -> str | None:
    """The role the connecting words `conn` (whose verb is `verb`, or "") give figure `nxt`."""
    m = nxt.mention
    if m.unit == "%":
        if verb in ("tang", "giam"):
            return "change_percent"
        if verb == "chiem" or "ty le" in " ".join(conn) and not verb:
            return "share_percent"
        if verb in ("dat", "bang"):
            if SAME_PERIOD.match(after):
                return "same_period_percent"
            if _PLAN.match(after):
                end = re.search(r"[,;(.]|$", after)
                assert end is not None  # "$" matches where no separator does
                basis = after[:end.start()]
                if _CENTRAL.search(basis):
                    return "plan_percent_central"
                if _PROVINCIAL.search(basis):
                    return "plan_percent_provincial"
                return "plan_percent"
            if verb == "dat" and not OTHER_PERIOD.match(after):
                return "plan_percent"  # "đạt x%" with its basis unstated: of its target
            return None
        if not verb and raw.strip().startswith("(") and "change_amount" in reading.comparisons:
            return "change_percent"  # "giảm 40 vụ (-69%)"
        return None
    if not compatible(head, nxt, loose=False) or m.kind == "fraction":
        return None
    if verb in ("tang", "giam"):
        return "change_amount"
    if not verb and raw.strip().startswith("(") and reading.labels.get("change_basis") in ("same_period", "other") \
            and ("change_percent" in reading.comparisons or "change_amount" in reading.comparisons):
        return "previous_value"  # "… so với cùng kỳ (281 người)", "tăng 12 điểm so với năm 2024 (71,41 điểm)"
    return None


def _name(stream: Stream, i: int, reading: Reading) -> None:
    name, period = name_before(stream, i)
    after = name_after(stream, i)
    unit = stream.figs[i].mention.unit
    # "Toàn tỉnh có 35 hợp tác xã thành lập mới": words before that do not say what is counted name who
    reading.name = after if after is not None and (name is None or fold(unit or "") not in fold(name)) else name
    if period is not None:
        reading.labels["period"] = period


def _record(doc: Document, reading: Reading, section_id: str, kind: str, rid: str, rtype: str = "indicator") -> Record:
    figures = {reading.role: figure_value(reading.head)}
    figures.update({role: figure_value(f) for role, f in reading.comparisons.items()})
    start = reading.head.mention.start
    end = max(f.mention.end for f in [reading.head, *reading.comparisons.values()])
    quote = collapse_ws(doc.text[start:end]) if reading.head.footnote else doc.view(start, end).text
    labels = {"source": SOURCE, **reading.labels}
    model = record_model(kind, rtype)
    if model is not None and flows.FIELD in model.model_fields and (flow := flows.flow_of(reading.name)):
        labels[flows.FIELD] = flow
    rec = Record(id=rid, section_id=section_id, chunk_id=f"{section_id}#reader", kind=kind, type=rtype,
                 name=reading.name, figures=figures, labels=labels,
                 parts=[_record(doc, p, section_id, kind, f"{rid}.parts[{k}]", "part")
                        for k, p in enumerate(reading.parts)],
                 parts_complete=reading.complete,
                 evidence=Evidence(quote=quote, start=start, end=end))
    return rec


def held(records: list[Record]) -> dict[int, bool]:
    """The figures the records hold, by start: True where one holds it as a comparison or a part,
    or as the value of a record or part it opens with a name (a bare value names nothing)."""
    used: dict[int, bool] = {}

    def mark(rec: Record) -> None:
        for role, fig in rec.figures.items():
            if fig is not None:
                used[fig.start] = used.get(fig.start, False) or role != "value" or rec.name is not None
        for part in rec.parts:
            mark(part)

    for rec in records:
        mark(rec)
    return used


def settles(figures: list[Figure], records: list[Record]) -> bool:
    """Does the reader account for every one of these figures, each record and part it opens
    with a name? Then a model asked about them has nothing to add to an indicators section."""
    used = held(records)
    return bool(figures) and all(used.get(f.mention.start, False) for f in figures)


def is_reader_record(rec: Record) -> bool:
    return rec.labels.get("source") == SOURCE
