"""Parts of a figure listed in a footnote cited at it: "… 534.030 kg⁷" with footnote 7 "Trong đó hỗ
trợ dịp Tết … là 191.760 kg (3.882 hộ, 12.784 nhân khẩu); hỗ trợ … 342.270 kg (4.118 hộ, …)"."""
from __future__ import annotations

import re
from collections.abc import Callable

from ..document.layout import Footnote
from ..document.report import Document
from ..document.text import fold
from .stream import Reading, Stream, compatible, sentence_end

_FOOTNOTE_OPENER = re.compile(r"\s*(trong do|chu yeu|bao gom|gom|cu the)\b")
_COMPLETE_OPENERS = ("gom", "bao gom")


def attach_footnote(doc: Document, stream: Stream, reading: Reading, notes: dict[int, Footnote],
                    read: Callable[[Stream], list[Reading]]) -> None:
    """A footnote cited at the figure (or right after its comparisons) that opens with "trong đó",
    "chủ yếu", "gồm" lists the figure's parts; cited later in the sentence, those of its unit."""
    idx = stream.figs.index(reading.head)
    last = idx + len(reading.comparisons)
    gap_end = stream.figs[last + 1].mention.start if last + 1 < len(stream.figs) else stream.segments[-1][1]
    clause_end = gap_end
    m = re.search(r"[.;,]", stream.doc.text[reading.end:gap_end])
    if m:
        clause_end = reading.end + m.start() + 1
    end = re.search(r"\.(?:\s|$)", stream.doc.text[reading.end:stream.segments[-1][1]])
    stop = reading.end + end.start() if end else stream.segments[-1][1]
    for fn in notes.values():
        if fn.marker is None:  # read_readings passes only notes with a marker in the body
            continue
        later = clause_end < fn.marker[0] <= stop and _alone_in_unit(stream, idx, fn.marker[0])
        if not (reading.head.mention.start <= fn.marker[0] <= clause_end or later):
            continue
        opener = _FOOTNOTE_OPENER.match(fold(fn.text))
        if opener is None:
            continue
        figs = [f for f in doc.figures if f.footnote == fn.number]
        if not figs:
            continue
        inner = Stream(doc, figs, list(fn.spans), fn.spans[0][0])
        parts = [r for r in read(inner) if compatible(reading.head, r.head, loose=True)
                 and (not later or r.head.mention.unit == reading.head.mention.unit)]
        if later and len(parts) < 2:
            continue
        units = {p.head.mention.unit for p in parts}
        own = [p for p in parts if p.head.mention.unit == reading.head.mention.unit]
        if len(units) > 1 and None not in units and len(own) >= 2:
            # "06 vụ/13 đối tượng …; 58 vụ/69 đối tượng …" under "82 đối tượng": a footnote that counts
            # two things side by side, each named every time, lists as parts those of the head's noun
            parts, units = own, {reading.head.mention.unit}
        if len(units) == 1 and units != {reading.head.mention.unit} and _names_other(stream, reading, units.pop()):
            continue  # "64 vụ, …, 82 đối tượng¹⁴" with a footnote of "vụ": it lists the other figure's parts
        if parts:
            reading.parts = parts
            reading.complete = opener.group(1) in _COMPLETE_OPENERS
            reading.labels["parts_footnote"] = str(fn.number)
            return


def _alone_in_unit(stream: Stream, idx: int, marker: int) -> bool:
    """"cho 8.000 hộ với 26.755 nhân khẩu, với số lượng gạo … 534.030 kg⁷": a footnote cited later in
    the sentence lists this figure's parts (those of its unit) if no other figure of its unit
    stands between."""
    unit = stream.figs[idx].mention.unit
    return unit is not None and not any(f.mention.unit == unit for f in stream.figs[idx + 1:]
                                        if f.mention.start < marker)


def _names_other(stream: Stream, reading: Reading, unit: str | None) -> bool:
    """Does another figure of the same sentence count exactly this unit?"""
    if unit is None:
        return False
    idx = stream.figs.index(reading.head)
    for k in range(idx - 1, -1, -1):
        if sentence_end(stream.gap(k)):
            return False
        if stream.figs[k].mention.unit == unit:
            return True
    return False
