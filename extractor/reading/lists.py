"""A count against the items its footnote lists ("công nhận 07 xã đạt chuẩn NTM³", "có 11/12 sản
phẩm … có sự tăng trưởng³"): the reader's check of a list the body counts."""
from __future__ import annotations

import re

from ..checks.records import make_check, mark
from ..document.report import Document, Figure
from ..document.text import fold
from ..numbers.parse import format_vn_number
from ..output.figures import figure_value
from ..output.result import Check, CheckStatus

_LIST_LEAD = re.compile(r"^\s*(?:(?:trong\s+do|bao\s+gom|gom|cu\s+the|chu\s+yeu(?:\s+la)?)\b\s*:?\s*)?")
_ADMIN = re.compile(r"^\s*(?:huyen|tinh|thanh\s+pho|thi\s+xa|quan)\b")
_ENUMERATOR = re.compile(r"^\s*\(\d+\)\s*")


def check_listed_counts(doc: Document, section_id: str) -> list[Check]:
    """"công nhận 07 xã đạt chuẩn NTM³" with footnote 3 naming the communes; "có 11/12 sản phẩm
    … có sự tăng trưởng³" with footnote 3 giving each product's change: the count printed in the
    body is the number of items the footnote lists (and, for x/y, of those that grew)."""
    checks = []
    for fn in doc.footnotes:
        if fn.section_id != section_id or fn.marker is None:
            continue
        counted = _counted_before(doc, section_id, fn.marker[0])
        if counted is None:
            continue
        fig, sentence = counted
        items = _items(doc, fn)
        if len(items) < 2:
            continue
        value = figure_value(fig)
        m = fig.mention
        grew = sum(1 for item in items if _first_direction(item) == "tang")
        operands = [("count", value)]
        if m.denominator is not None:
            operands += [(f"fell[{k}]", figure_value(f)) for k, f in enumerate(_falls(doc, fn.number))]
            if not re.search(r"\btang\b", sentence):
                continue
            holds = m.denominator == len(items) and m.number == grew
            said = f"{format_vn_number(m.number, 0)}/{format_vn_number(m.denominator, 0)}"
            found = f"footnote {fn.number} lists {len(items)} items, {grew} of them up: {grew}/{len(items)}"
        else:
            holds = m.number == len(items)
            said, found = format_vn_number(m.number, 0), f"footnote {fn.number} lists {len(items)} items"
        status: CheckStatus = "pass" if holds else "fail"
        expr = f"{found} {'=' if holds else '≠'} printed {said} {mark(status)}"
        checks.append(make_check(doc.content_hash, "item_count", status, expr, operands,
                                 section_id=section_id, message="items counted in the footnote the count cites"))
    return checks


def _counted_before(doc: Document, section_id: str, marker: int) -> tuple[Figure, str] | None:
    """The count the footnote marker follows in its sentence, with no other figure between."""
    before = [f for f in doc.figures if f.section_id == section_id and f.footnote is None and f.mention.end <= marker]
    if not before:
        return None
    fig = before[-1]
    words = fold(doc.view(fig.mention.end, marker).text)
    m = fig.mention
    if _SENTENCE_END.search(words) or m.kind not in ("count", "fraction") or m.unit in (None, "%") or m.qualifier:
        return None
    printed = re.match(r"\d+", m.text)
    if printed is None or int(printed.group()) != m.number:
        return None  # a footnote marker was taken out of this number: which count it is, is unsure
    return fig, words


_SENTENCE_END = re.compile(r"[.;](?:\s|$)")


def _items(doc: Document, fn) -> list[str]:
    """The footnote's items: its ";"-separated entries if they carry figures; else the names of a
    list of places ("xã Tân Hương, Chiêu Vũ huyện Bắc Sơn; xã Thanh Long, huyện Văn Lãng")."""
    text = fold(" ".join(doc.text[a:b] for a, b in fn.spans))
    text = re.sub(r"^\s*\d+\s*", "", text, count=1)  # the footnote's own number
    text = _LIST_LEAD.sub("", text, count=1).strip().rstrip(".")
    entries = [_ENUMERATOR.sub("", e).strip() for e in text.split(";") if e.strip()]
    if any(f.footnote == fn.number for f in doc.figures):
        return [e for e in entries if re.search(r"\d", e)]
    return [name for e in entries for name in e.split(",") if name.strip() and not _ADMIN.match(name)]


def _first_direction(item: str) -> str | None:
    m = re.search(r"\b(tang|giam)\b", item)
    return m.group(1) if m else None


def _falls(doc: Document, footnote: int) -> list[Figure]:
    """The footnote's changes that are falls ("Muối công nghiệp giảm 55%", "−0,99%"): the items
    that make the x of x/y smaller than y."""
    return [f for f in doc.figures if f.footnote == footnote and f.mention.unit == "%"
            and (f.mention.number < 0 or re.search(r"\bgiam\s*$", fold(doc.text[max(0, f.mention.start - 12):f.mention.start])))]
