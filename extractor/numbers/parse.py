"""Vietnamese numeric mentions: parsed by code, never by the model.

`.` groups thousands and `,` is the decimal mark (`2.828,46` = 2828.46); a scale word
(nghìn, triệu, tỷ) and a unit may follow; a qualifier (hơn, khoảng, gần, …) may precede.
Dates, years, document numbers, ordinals, codes glued to letters, the months of a reporting
period ("lũy kế 2 tháng", "6 tháng đầu năm") and numbers that are part of a proper name ("CCN Na
Dương 1, 2, 3": names.py) are not figures. Scale words, units, qualifiers,
date and period words are matched with their marks optional (`folding.marks_optional`), so text
typed or OCR'd without diacritics gives the values and canonical units the accented text gives.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import overload

from .folding import fold, marks_optional, writes_marks
from .names import names
from .units import SCALES, SPELLINGS, UNIT_PATTERN, scale_of, unit_of

_NUMERAL = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?"
_TOKEN = re.compile(rf"(?<![\w.,/\-])(-)?({_NUMERAL})(?![\d])")
_QUALIFIERS = ("hơn", "trên", "khoảng", "gần", "dưới", "ước đạt", "ước", "xấp xỉ", "tối thiểu", "ít nhất", "≤", "≥", "<", ">")
_QUALIFIER = re.compile(marks_optional(r"(?<!\w)(" + "|".join(_QUALIFIERS) + r")\s*$"), re.I)
_QUALIFIER_BY_FOLD = {fold(q): q for q in _QUALIFIERS}  # "uoc dat" is reported as "ước đạt"
# A number right after these words is a label (a date part, an ordinal, a code), not a figure.
_LABEL_BEFORE = re.compile(
    r"(?:\b(?:ngày|tháng|thứ|số|khóa|khoá|lần|đợt|quý|lớp|điều|khoản|mục|phụ lục|đề án|chương trình|"
    r"nghị định|quyết định|thông tư|chỉ thị|kết luận|nghị quyết|kế hoạch|công văn|tờ trình|tuyến|quốc lộ|"
    r"tỉnh lộ|đường|cấp|giai đoạn|thời kỳ|nhiệm kỳ|niên độ|năm học)\s*)$", re.I)
# Typed bare, the date words are read too, or a date "ngay 27 thang 01 nam 2026" would read as
# durations now that units are read bare. The other label words keep their marks: bare, several
# are other words ("thu" is revenue or "thứ", "muc" a level or "mục"); reading them bare also
# changes what the recorded model requests list (an OCR'd "quy 1/2026"), so it waits for a re-record.
_DATE_LABEL_BEFORE = re.compile(marks_optional(r"\b(?:ngày|tháng)\s*$"), re.I)
_ONLINE_BEFORE = re.compile(marks_optional(r"\btrực\s+tuyến\s*$"), re.I)  # "trực tuyến 7.266 hồ sơ" is online, not route 7
_YEAR_BEFORE = re.compile(marks_optional(r"\b(?:năm|từ|đến|tới|cuối|đầu)\s*$"), re.I)
_DATE = re.compile(r"\d{1,2}/\d{1,2}/\d{2,4}|\d{1,2}/(?:19|20)\d\d(?!\d)")
_CODE_AFTER = re.compile(r"(?:/\d+)*(?:/|-)[A-ZĐ]")
_GLUED_WORD = re.compile(r"[^\W\d_]")
_RANGE = re.compile(rf"\s*[-–]\s*({_NUMERAL})(?![\d.,]?\d)")
_FRACTION = re.compile(r"/(\d{1,3}(?:\.\d{3})+|\d+)(?![\d/])")
_AFTER_SLASH = re.compile(rf"(?<=/)()({_NUMERAL})(?![\d])")
# "5 tỷ lệ" is a number before a rate ("tỷ lệ"), not five billion.
_SCALE = re.compile(marks_optional(r"\s*(nghìn|ngàn|triệu|tỷ|tỉ)(?![^\W\d_])(?!\s+lệ(?![^\W\d_]))"), re.I)
_NEXT_WORD = re.compile(r"[ \t]+[^\W\d_]+(?!\w)")  # a word on the same line, no digit glued
_MONTHS_AFTER = re.compile(marks_optional(r"\s*tháng\b"), re.I)
_TIME_AFTER = re.compile(r"[:h]\d")
# "lũy kế 2 tháng", "6 tháng đầu năm", "9 tháng năm 2025": the period a figure covers, not a figure.
_PERIOD_AFTER = re.compile(marks_optional(r"\s*tháng\s+(?:đầu|cuối)\s+năm\b|\s*tháng\s+(?:năm\s+)?(?:19|20)\d\d\b"), re.I)
_PERIOD_BEFORE = re.compile(marks_optional(r"\b(?:lũy|luỹ)\s+kế\s*$|\btính\s+chung\s*$|\bcộng\s+dồn\s*$"), re.I)


@dataclass(frozen=True)
class NumberMention:
    text: str
    start: int
    end: int
    number: Decimal
    value: Decimal
    decimals: int
    scale: str | None
    unit: str | None
    kind: str
    qualifier: str | None
    range_to: Decimal | None = None
    denominator: Decimal | None = None


def parse_vn_number(s: str) -> Decimal:
    """"2.828,46" → 2828.46, "809.338" → 809338, "01" → 1, "-69" → -69."""
    text = s.strip()
    if not re.fullmatch(rf"[-+]?(?:{_NUMERAL})", text):
        raise ValueError(f"not a Vietnamese number: {s!r}")
    try:
        return Decimal(text.replace(".", "").replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the pattern above admits only digits
        raise ValueError(f"not a Vietnamese number: {s!r}") from None


def format_vn_number(value: Decimal, decimals: int) -> str:
    """Inverse of parse_vn_number: (2828.46, 2) → "2.828,46"."""
    quantized = value.quantize(Decimal(1).scaleb(-decimals)) if decimals else value.quantize(Decimal(1))
    sign = "-" if quantized < 0 else ""
    whole, _, frac = f"{abs(quantized):f}".partition(".")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    text = sign + ".".join(groups)
    return f"{text},{frac}" if decimals else text


@overload
def decimal_str(value: Decimal) -> str: ...
@overload
def decimal_str(value: None) -> None: ...
@overload
def decimal_str(value: Decimal | None) -> str | None: ...
def decimal_str(value: Decimal | None) -> str | None:
    """A Decimal as plain text without exponent ("809338000000", "2828.46"): how outputs carry values."""
    if value is None:
        return None
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def find_numbers(text: str, start: int = 0, end: int | None = None) -> list[NumberMention]:
    """Every numeric mention inside text[start:end], in order; offsets index into `text`."""
    stop = len(text) if end is None else end
    found: list[NumberMention] = []
    pos = start
    skipped_label_end = name_end = -1
    while (m := _TOKEN.search(text, pos, stop)) is not None:
        pos = m.end()
        if _is_label(text, m, skipped_label_end, stop):
            skipped_label_end = _skip_to(text, m, stop)
            pos = max(pos, skipped_label_end)
            continue
        mention = _read(text, m, start, stop)
        if mention is None:
            pos = _skip_to(text, m, stop)
            continue
        if names(text, mention, name_end, found[-1] if found else None):
            pos = name_end = mention.end
            continue
        found.append(mention)
        pos = max(pos, mention.end)
        if (paired := _paired_count(text, mention, start, stop)) is not None:
            found.append(paired)
            pos = max(pos, paired.end)
    return found


def _paired_count(text: str, mention: NumberMention, start: int, stop: int) -> NumberMention | None:
    """"06 vụ/13 đối tượng": a count glued after "/" with a noun of its own is a second count
    (cases and the people in them), not a denominator; "20 đơn/37 đơn" (one noun) stays the
    fraction its reader makes of it."""
    if mention.kind != "count" or mention.unit is None or not text.startswith("/", mention.end):
        return None
    m = _AFTER_SLASH.match(text, mention.end + 1, stop)
    if m is None:
        return None
    paired = _read(text, m, start, stop)
    if paired is None or paired.kind != "count" or paired.unit in (None, mention.unit):
        return None
    return paired


def _skip_to(text: str, m: re.Match[str], stop: int) -> int:
    """End of the whole token a label/date/code number belongs to ("08/01/2026", "79-NQ/TW")."""
    tail = re.compile(r"[\w/\-.:+]*").match(text, m.end(), stop)
    return tail.end() if tail else m.end()


def _is_label(text: str, m: re.Match[str], skipped_label_end: int, stop: int) -> bool:
    s, e = m.start(2), m.end(2)
    after = text[e:min(stop, e + 12)]
    before = text[max(0, s - 30):m.start()]
    digits = m.group(2)
    if _DATE.match(text, s) or _CODE_AFTER.match(text, e) or _TIME_AFTER.match(after):
        return True
    if _GLUED_WORD.match(after) and not _glued_unit(after):
        return True  # "5G", "2030s"
    if (_LABEL_BEFORE.search(before) or _DATE_LABEL_BEFORE.search(before)) and not _ONLINE_BEFORE.search(before):
        return True
    if _PERIOD_AFTER.match(text, e, min(stop, e + 30)) or (_PERIOD_BEFORE.search(before)
                                                          and _MONTHS_AFTER.match(after)):
        return True
    is_year = re.fullmatch(r"(19|20)\d\d", digits) is not None
    if is_year and (_YEAR_BEFORE.search(before) or re.match(r"\s*[-–]\s*(19|20)\d\d", after)
                    or re.search(r"(19|20)\d\d\s*[-–]\s*$", before) or not _unit_at(text, e, stop)):
        return True
    # "kỳ họp thứ 21, 22": a number listed right after a label number is a label too.
    return skipped_label_end >= 0 and re.fullmatch(r",?\s*(và\s*)?", text[skipped_label_end:m.start()]) is not None


def _glued_unit(after: str) -> bool:
    m = UNIT_PATTERN.match(after)
    return m is not None and m.group(1)[0].isalpha()


def _unit_at(text: str, pos: int, stop: int) -> tuple[str, str, int] | None:
    """(canonical, kind, end) of a unit starting after optional whitespace at `pos`."""
    m = UNIT_PATTERN.match(text, pos, stop)
    if m is None or (" ".join(m.group(1).lower().split()) not in SPELLINGS and not _bare_words_read(text, pos)):
        return None
    canonical, kind = unit_of(m.group(1))
    return canonical, kind, m.end()


def _scale_at(text: str, pos: int, stop: int) -> tuple[str, int] | None:
    """(canonical scale word, end) of a scale word after `pos`. Typed bare ("trieu", "ngan") or
    with OCR-garbled marks ("triéu") it is one only in text written without diacritics, and not
    before another word on its line that is no unit: "5 ngan nguoi" is five thousand people,
    "5 ngan hang" five banks (ngân hàng); "613,2 ty dong9" (a footnote marker glued on) and a
    scale word ending its line or phrase stay scales."""
    if (sc := _SCALE.match(text, pos, stop)) and sc.group(1).lower() in SCALES:
        return scale_of(sc.group(1)), sc.end()
    if not _bare_words_read(text, pos):
        return None
    window = min(stop, pos + 40)
    if (skeleton := _SCALE.match(fold(text[pos:window]))) is None:
        return None
    end = pos + skeleton.end()
    if _unit_at(text, end, stop) or not _NEXT_WORD.match(text, end, stop):
        return scale_of(skeleton.group(1)), end
    return None


def _bare_words_read(text: str, pos: int) -> bool:
    """Whether a unit or scale word typed without its diacritics at `pos` is read as that word:
    only where the text around is written without them (OCR, plain typing), not in accented
    text, where "120 nam" is 120 men, not 120 years."""
    return not writes_marks(text[max(0, pos - 60):pos + 60])


def _read(text: str, m: re.Match[str], start: int, stop: int) -> NumberMention | None:
    sign = m.group(1) or ""
    try:
        number = parse_vn_number(sign + m.group(2))
    except ValueError:
        return None
    decimals = len(m.group(2).partition(",")[2])
    begin, end = m.start(), m.end()
    qualifier = None
    if q := _QUALIFIER.search(text, max(start, begin - 15), begin):
        qualifier, begin = _QUALIFIER_BY_FOLD[fold(" ".join(q.group(1).split()))], q.start()
    range_to = denominator = None
    if r := _RANGE.match(text, end, stop):
        range_to, end = parse_vn_number(r.group(1)), r.end()
    elif f := _FRACTION.match(text, end, stop):
        denominator, end = parse_vn_number(f.group(1)), f.end()
    scale = None
    if found_scale := _scale_at(text, end, stop):
        scale, end = found_scale
    unit, kind = None, None
    if found := _unit_at(text, end, stop):
        unit, kind, end = found
        if unit == "%":
            end = _double_percent(text, end, stop)
    multiplier = Decimal(10) ** SCALES[scale][1] if scale else Decimal(1)
    if kind is None:
        kind = "fraction" if denominator is not None else "count" if decimals == 0 else "number"
    if denominator is not None and kind == "count":
        kind = "fraction"
    return NumberMention(text=text[begin:end], start=begin, end=end, number=number, value=number * multiplier,
                         decimals=decimals, scale=scale, unit=unit, kind=kind, qualifier=qualifier,
                         range_to=range_to * multiplier if range_to is not None else None, denominator=denominator)


def _double_percent(text: str, end: int, stop: int) -> int:
    """"13,04% %" is printed once too often: one mention, both signs."""
    dup = re.compile(r" ?%").match(text, end, stop)
    return dup.end() if dup else end
