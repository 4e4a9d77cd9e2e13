"""A growth printed with the growths of all its components ("chỉ số sản xuất công nghiệp tăng 14,77% so
với cùng kỳ, trong đó: khai khoáng tăng 21,74%, công nghiệp chế biến, chế tạo tăng 23,56%, sản xuất và
phân phối điện … tăng 1,03%, cung cấp nước … tăng 3,5%"): an index of weighted components grows by
a weighted average of their growths, so it lies between the smallest and the largest of them.

Only a complete list proves that: a partial "trong đó" proves nothing (the missing components may
pull the total anywhere). A list is complete when it is opened with "gồm" / "bao gồm", or when it
names every industry section the index of industrial production (IIP) is made of by definition
(VSIC sections B–E: mining; manufacturing; electricity, gas …; water supply, waste): the same four
in every province's report, whatever words surround them.
"""
from __future__ import annotations

import re
from decimal import Decimal

from ..checks.records import make_check, mark, shown
from ..document.report import Document, Figure
from ..document.text import fold
from ..numbers.intervals import Interval, stated_percent
from ..output.figures import figure_value
from ..output.result import Check, CheckStatus

_CHANGE = re.compile(r"(?<!\w)(tang|giam)\s*$")
_SAME_PERIOD = re.compile(r"^\s*so voi cung ky(?: nam truoc)?\b")
_OPENER = re.compile(r"(?<!\w)(trong do|bao gom|gom)\s*:?\s*$")
_IIP_SECTIONS = (r"khai khoang", r"che bien", r"phan phoi dien", r"cung cap nuoc")
_INDEX = re.compile(r"(?<!\w)chi so san xuat cong nghiep(?!\w)")


def check_weighted_growth(doc: Document, section_id: str) -> list[Check]:
    body = [f for f in doc.figures if f.section_id == section_id and f.footnote is None]
    checks = []
    for k, head in enumerate(body):
        if not _is_change(doc, head):
            continue
        after = _listed_changes(doc, body, k)
        if after is None:
            continue
        opener, parts = after
        words = fold(doc.view(max(0, head.mention.start - 60), head.mention.start).text)
        names = fold(doc.view(max(0, parts[0].mention.start - 80), parts[-1].mention.start).text)
        iip = _INDEX.search(words) is not None and all(re.search(s, names) for s in _IIP_SECTIONS)
        if opener not in ("gom", "bao gom") and not iip:
            continue
        checks.extend(_within(doc, head, parts))
    return checks


def _is_change(doc: Document, fig: Figure) -> bool:
    m = fig.mention
    return m.unit == "%" and m.qualifier is None and m.number >= 0 \
        and _CHANGE.search(fold(doc.view(max(0, m.start - 8), m.start).text)) is not None


def _listed_changes(doc: Document, body: list[Figure], k: int) -> tuple[str, list[Figure]] | None:
    """The opener and the changes listed after the head's "so với cùng kỳ, trong đó:", up to the
    sentence's end; None if anything else (a figure that is no change) is listed."""
    head = body[k]
    end = re.search(r"\.(?:\s|$)", doc.text[head.mention.end:])
    stop = head.mention.end + end.start() if end else len(doc.text)
    listed = [f for f in body[k + 1:] if f.mention.start < stop]
    if len(listed) < 2 or not all(_is_change(doc, f) for f in listed):
        return None
    gap = fold(doc.view(head.mention.end, listed[0].mention.start).text)
    said = _SAME_PERIOD.match(gap)
    if said is None:
        return None
    first_name = gap[said.end():]
    opener = re.search(r"(?<!\w)(trong do|bao gom|gom)\s*:", first_name)
    if opener is None or re.search(r"[.;]", first_name[:opener.start()]):
        return None
    return opener.group(1), listed


def _within(doc: Document, head: Figure, parts: list[Figure]) -> list[Check]:
    signed: list[tuple[Interval, int]] = []
    for fig in [head, *parts]:
        readings = stated_percent(figure_value(fig))
        said = _CHANGE.search(fold(doc.view(max(0, fig.mention.start - 8), fig.mention.start).text))
        if readings is None or said is None:
            return []
        r, sign = readings[0], -1 if said.group(1) == "giam" else 1
        signed.append((r if sign > 0 else Interval(-r.hi, -r.lo), sign))
    (total, head_sign), spans = signed[0], [s for s, _ in signed[1:]]
    lo, hi = min(s.lo for s in spans), max(s.hi for s in spans)
    status: CheckStatus = "pass" if lo <= total.hi and total.lo <= hi else "fail"
    printed = [(f, sign) for f, (_, sign) in zip(parts, signed[1:])]
    low = min(printed, key=lambda p: p[1] * Decimal(p[0].mention.number))
    high = max(printed, key=lambda p: p[1] * Decimal(p[0].mention.number))

    def text(fig: Figure, sign: int) -> str:
        return f"{'-' if sign < 0 else ''}{shown(figure_value(fig))}"

    expr = (f"{text(head, head_sign)} {'within' if status == 'pass' else 'outside'} the components' "
            f"{text(*low)} … {text(*high)} {mark(status)}")
    operands = [("change_percent", figure_value(head))] + \
        [(f"parts[{i}].change_percent", figure_value(f)) for i, f in enumerate(parts)]
    return [make_check(doc.content_hash, "growth_consistency", status, expr, operands, section_id=head.section_id,
                       message="a weighted index grows between its components' growths (complete list)")]
