"""A change printed without its value: "chỉ số sản xuất công nghiệp tăng 14,77% so với cùng kỳ,
trong đó: khai khoáng tăng 21,74%, công nghiệp chế biến, chế tạo tăng 23,56%, …", "số lượng doanh
nghiệp hoạt động trở lại giảm 6,1% so với cùng kỳ".

An index, or a count the report does not print, is given by its change alone: the words before
"tăng" / "giảm" name it, the percentage is its `change_percent`. A list opened after it ("trong đó")
whose every item is "<tên> tăng / giảm x%" gives its parts' changes, each named by all the words
since the previous figure (a part's name may hold commas: "công nghiệp chế biến, chế tạo"), up to
the sentence's or clause's end. A percentage that the words before tie to a figure ("đạt 8,0%, tăng
4,4%") is that figure's comparison and never gets here: the reader reads it with its head first.
"""
from __future__ import annotations

import re

from ..document.text import fold
from .stream import Reading, Stream, change_basis, name_before, sentence_end

_VERB = re.compile(r"(?:^|[\s,;:(])(tang|giam)(?:\s+them)?\s*$")
_OPENER = re.compile(r"\b(?:trong\s+do|trong\s+so|cu\s+the)\b\s*:?")
_PART_LEAD = re.compile(r"^[\s,;:]*")


def opens_change(stream: Stream, i: int) -> bool:
    """Is the percentage at i a change with a name before its verb and no figure it compares?"""
    return stream.figs[i].mention.unit == "%" and _name(stream, i) is not None


def read_change(stream: Stream, i: int) -> tuple[Reading, int]:
    """The change at i and the changes of its parts; the index after them."""
    reading = _reading(stream, i, _name(stream, i))
    j = i + 1
    gap = stream.gap(i)
    opener = _OPENER.search(gap)
    if opener is None or sentence_end(gap[:opener.start()]) or ";" in gap[:opener.start()]:
        return reading, j
    lead = opener.end()
    while j < len(stream.figs) and stream.free(j) and stream.figs[j].mention.unit == "%":
        name = _part_name(stream, j, lead)
        if name is None:
            break
        reading.parts.append(_reading(stream, j, name))
        reading.end = stream.figs[j].mention.end
        after = stream.gap(j)
        j, lead = j + 1, 0
        if sentence_end(after) or ";" in after:
            break
    reading.complete = False if reading.parts else None
    return reading, j


def _reading(stream: Stream, i: int, name: str | None) -> Reading:
    head = stream.figs[i]
    verb = _VERB.search(fold(stream.before(i)))
    assert verb is not None  # opens_change and _part_name read the verb first
    labels = {"change_basis": change_basis(stream.gap(i)),
              "change_direction": "decrease" if verb.group(1) == "giam" or head.mention.number < 0 else "increase"}
    return Reading(head=head, name=name, labels=labels, end=head.mention.end, role="change_percent")


def _name(stream: Stream, i: int) -> str | None:
    """The words before the verb back to the clause start, when they are a name."""
    verb = _VERB.search(fold(stream.before(i)))
    if verb is None:
        return None
    name, _ = name_before(stream, i, stop=len(stream.before(i)) - verb.start(1))
    return name


def _part_name(stream: Stream, j: int, lead: int) -> str | None:
    """A listed part's name: every word since the previous figure (after the list opener) up to its verb."""
    before = stream.before(j)
    verb = _VERB.search(fold(before))
    if verb is None:
        return None
    words = before[lead:verb.start(1)]
    name = " ".join(_PART_LEAD.sub("", words, count=1).split())
    return name if 1 <= len(name.split()) <= 24 and not re.search(r"\d", name) else None
