"""Document metadata: the header (issuer, number, place and date, type, title, period) and
the tail (recipients "Nơi nhận:" and the signature block), which are not body text.

Cues are matched on the folded skeleton (`text.fold`) so OCR output that lost its
diacritics ("S6:26 /TB-UBND Lang Son, ngay 27 thang 01 nam 2026") is read too.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from .text import Line, collapse_ws, fold

_NATIONAL = re.compile(r"^\s*(cong hoa xa hoi|doc lap\s*-\s*tu do)")
_NUMBER = re.compile(r"^\s*s[o6]\s*:\s*(\d*)\s*/\s*([a-z0-9đ]+(?:-[a-z0-9đ]+)+)", re.I)
_PLACE_DATE = re.compile(r"([^\W\d_][^,\d]*?),\s*ngay\s*(\d{1,2})?\s*thang\s*(\d{1,2})\s*nam\s*(\d{4})")
_DOC_TYPES = {"bao cao": "báo cáo", "thong bao": "thông báo", "ke hoach": "kế hoạch",
              "quyet dinh": "quyết định", "chi thi": "chỉ thị", "cong van": "công văn"}
_RULE = re.compile(r"^\s*[_\-–=*]{5,}\s*$")
_RECIPIENTS = re.compile(r"^\s*no[il]\s*nh\w{1,3}n\s*:", re.I)
_SIGNATURE = re.compile(r"^\s*(tm\.|kt\.|tl\.?\s|q\.|pho chu tich\s*$|chu tich\s*$)")


@dataclass
class Period:
    month: int | None = None
    year: int | None = None
    cumulative_months: int | None = None  # "8 tháng năm 2025": January to August
    next_month: int | None = None         # "nhiệm vụ trọng tâm tháng 02"


@dataclass
class Metadata:
    issuer: str | None = None
    number: str | None = None          # as printed, spaces removed: "26/TB-UBND", "/BC-UBND" (number left blank)
    place: str | None = None
    date: str | None = None            # ISO date when the day is printed
    date_text: str | None = None
    doc_type: str | None = None        # "báo cáo", "thông báo kết luận", …
    title: str | None = None
    period: Period = field(default_factory=Period)
    recipients: list[str] = field(default_factory=list)
    signature: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # what the structure pass was unsure of


@dataclass
class Frame:
    """Where the body lies between the header and the tail."""

    metadata: Metadata
    body_start: int
    body_end: int


def read_frame(text: str, lines: list[Line], first_heading: int | None) -> Frame:
    """Read header and tail; the body starts after the title and ends at "Nơi nhận:"."""
    meta = Metadata()
    body_start = _read_header(lines, meta, first_heading)
    body_end = _read_tail(lines, meta, len(text))
    if meta.title:
        _read_period(meta.title, meta.period)
    return Frame(meta, body_start, body_end)


def _read_header(lines: list[Line], meta: Metadata, first_heading: int | None) -> int:
    limit = first_heading if first_heading is not None else min(len(lines), 40)
    head = [ln for ln in lines[:limit] if not ln.is_blank]
    issuer: list[str] = []
    body_start = 0
    title: list[str] = []
    in_title = False
    for ln in head:
        f = fold(ln.text)
        if _NATIONAL.match(f):
            in_title = False
            continue
        number = _NUMBER.match(f)
        if number:
            meta.number = f"{number.group(1)}/{ln.text[number.start(2):number.end(2)].strip()}"
        place_date = _PLACE_DATE.search(f, number.end() if number else 0)
        if place_date:
            _set_place_date(ln.text, place_date, meta)
        if number or place_date:
            body_start = ln.end
            continue
        if meta.number is None and meta.date is None and not issuer and ln.text.strip().isupper():
            issuer.append(ln.stripped)
            continue
        if meta.number is None and issuer and ln.text.strip().isupper() and len(issuer) < 3 \
                and fold(ln.stripped) not in _DOC_TYPES:
            issuer.append(ln.stripped)
            continue
        key = collapse_ws(f)
        if key in _DOC_TYPES:
            meta.doc_type = _DOC_TYPES[key]
            in_title = True
            body_start = ln.end
            continue
        if in_title:
            if _RULE.match(ln.text):
                in_title = False
                body_start = ln.end
                continue
            title.append(ln.stripped)
            body_start = ln.end
            if _ends_title(lines, ln):
                in_title = False
    meta.issuer = " ".join(issuer) or None
    if title:
        meta.title = collapse_ws(" ".join(title))
        if meta.doc_type == "thông báo" and re.match(r"k\w*t\s+lu", fold(meta.title)):
            meta.doc_type = "thông báo kết luận"
    return body_start


def _ends_title(lines: list[Line], line: Line) -> bool:
    """A title ends at a wider gap of blank lines than the text puts between its lines (text
    extractors single-, double- or triple-space lines)."""
    gap = 0
    for nxt in lines[line.index + 1:]:
        if not nxt.is_blank:
            break
        gap += 1
    return gap > _usual_gap(lines) if line.index + 1 + gap < len(lines) else True


def _usual_gap(lines: list[Line]) -> int:
    """The most common number of blank lines between two lines of text."""
    gaps: Counter[int] = Counter()
    run = 0
    for ln in lines[:300]:
        if ln.is_blank:
            run += 1
        else:
            gaps[run] += 1
            run = 0
    return gaps.most_common(1)[0][0] if gaps else 0


def _set_place_date(raw: str, m: re.Match[str], meta: Metadata) -> None:
    meta.place = collapse_ws(raw[m.start(1):m.end(1)]).strip(" ,") or None
    meta.date_text = collapse_ws(raw[m.start(1):m.end()])
    day, month, year = m.group(2), int(m.group(3)), int(m.group(4))
    if day:
        try:
            meta.date = date(year, month, int(day)).isoformat()
        except ValueError:
            meta.date = None


def _read_tail(lines: list[Line], meta: Metadata, text_len: int) -> int:
    found = next(((ln, m) for ln in reversed(lines) if (m := _RECIPIENTS.match(fold(ln.text)))), None)
    if found is None:
        return text_len
    start, opening = found
    recipients: list[str] = []
    signature: list[str] = []
    rest = start.text[opening.end():].strip()
    if rest:  # two columns flattened: "Nơi nhận: TL. CHỦ TỊCH"
        signature.append(rest)
    last_was_recipient = False
    for ln in lines[start.index + 1:]:
        s = ln.stripped
        if not s or re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:+]+", s):
            continue
        if s.startswith("-"):
            recipients.append(s.lstrip("- ").strip())
            last_was_recipient = True
        elif last_was_recipient and not _SIGNATURE.match(fold(s)) and not s.isupper():
            recipients[-1] = f"{recipients[-1]} {s}"
        else:
            signature.append(s)
            last_was_recipient = False
    meta.recipients = recipients
    meta.signature = signature
    return start.start


_MONTH = re.compile(r"thang\s*(\d{1,2})(?!\s*nam\s*\d{4}\s*,?\s*nhiem)")
_CUMULATIVE = re.compile(r"(\d{1,2})\s*thang\s*(?:dau\s*)?nam\s*(\d{4})")
_YEAR = re.compile(r"nam\s*(\d{4})")
_NEXT = re.compile(r"nhiem vu\s+(?:trong tam\s+)?thang\s*(\d{1,2})")


def _read_period(title: str, period: Period) -> None:
    """"tháng 8 và 8 tháng năm 2025" → month 8, cumulative 8; "…, nhiệm vụ trọng tâm tháng 02"
    → next month 2 (not the reporting month)."""
    f = collapse_ws(fold(title))
    nxt = _NEXT.search(f)
    if nxt:
        period.next_month = int(nxt.group(1))
    head = f[: nxt.start()] if nxt else f
    if m := _MONTH.search(head) or _MONTH.search(f):
        period.month = int(m.group(1))
    if m := _CUMULATIVE.search(f):
        period.cumulative_months, period.year = int(m.group(1)), int(m.group(2))
    elif m := _YEAR.search(f):
        period.year = int(m.group(1))


def infer_period(section_titles: list[str], period: Period) -> None:
    """Reports without a header say their month in a section title ("… THÁNG 01 NĂM 2026")."""
    if period.month and period.year:
        return
    for title in section_titles:
        if _MONTH.search(fold(title)) and _YEAR.search(fold(title)):
            _read_period(title, period)
            if period.month and period.year:
                return
