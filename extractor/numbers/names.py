"""Numbers that are part of a proper name: "CCN Na Dương 1, 2, 3", "Thủy điện Bản Chát 1",
"Khu công nghiệp Đồng Đăng 2", "Ban Chỉ đạo 389". They name; they count nothing.

Vietnamese puts a count before its noun ("15 xã", "03 Ban", "120 hộ"), so a bare number printed
right after a capitalised word is not that word's count: it is part of the name. The rule, read
from how any report writes, not from one report:

- **a name** is a run of capitalised syllables ("Na Dương", "Bản Chát") or an all-caps acronym
  ("CCN", "KCN", "THCS"), ending right before the number (white space only between: a name may
  wrap over a line break);
- **a bare number**: a whole number printed without thousands groups or a leading zero, with no
  unit, scale word, qualifier ("hơn"), range, fraction or sign (`NumberMention` tells), and not
  the first cell of a table row (another number follows it after spaces only). A leading zero
  is how reports print a small count ("05 dự án", "Cao Lộc 05, Lộc Bình 03"), not a name;
- **a list** continues a name: a bare number after a name's number and a comma or "và"
  ("Na Dương 1, 2, 3", "Hồ Sơn 1 và 2") is the next name of the list.

What is not a name:
- a sentence's first word is capitalised by the sentence, not by a name: a run of one
  capitalised word that opens a line, a sentence, a clause after ":" or ";", a bracket, a quote
  or a bullet says nothing ("Có 15 …", "(Trong 3 …"); a run of two keeps its last word
  ("(Hồ Sơn 1" is a name);
- Roman numerals ("Khóa XVII", "Quý IV") are numbers, not names;
- a line written in capitals (a heading, "KẾT QUẢ 2 THÁNG") capitalises everything;
- a list whose previous item is a count is a breakdown, and the unit of its first item counts
  the next ones too: "Cao Lộc 5 xã, Lộc Bình 3 và Đình Lập 2" keeps 3 and 2;
- a number with a unit stays a figure even after a name: "Đồng Đăng 2 có 120 hộ" keeps 120 hộ,
  "Hà Nội, 15 doanh nghiệp" keeps its 15 (a comma stands between name and number).

Known limits (the print alone cannot tell):
- a body's name capitalised on its first word only ("Ban Chỉ đạo 389") reads as "UBND tỉnh 15"
  does, and a body named by a zero-padded number ("Ban 03", "Đoàn 06") as a breakdown's count
  ("Cao Lộc 05"): both stay figures unless a label word tells ("số", "đề án": below);
- a bare number after a name's number and a comma ("CCN Hồ Sơn 1, 15") is taken for the
  list's next name;
- a breakdown printed with no unit and no leading zero at all ("Cao Lộc 5, Lộc Bình 3") reads
  as "Hồ Sơn 1, Bắc Sơn 2" does: it is taken for names.

Dates, years, document numbers ("Nghị quyết số 27", "Quyết định 123/QĐ-UBND") and numbers after a
label word ("Đề án 06", "Chương trình 135", "quốc lộ 1") are labels the parser skips before this
rule is asked (`parse._is_label`).

The rule lives in the number parser, not where the document lists its figures: it needs only the
text around the number and what the parser read of it (bare or not), and every reader of numbers
(the document's inventory, the cross-report checks) must agree on what a figure is.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .parse import NumberMention

_WORD = re.compile(r"[^\W\d_][\w'’]*")
_ROMAN = re.compile(r"[IVXLCDM]+")
# what capitalises the next word anyway (besides the text's start): a sentence or clause end, a bracket,
# a quote, a bullet opening a line
_OPENER = re.compile(r"(?:[.!?…:;(\[\"“‘']|^[ \t]*[-–+•*])\Z", re.M)
_LIST_GAP = re.compile(r"\s*(?:,\s*(?:và\s+)?|và\s+)")
_TABLE_CELL_AFTER = re.compile(r"[ \t]+\d")
_REACH = 120  # characters looked back for a name


def names(text: str, m: NumberMention, previous_name_end: int, previous: NumberMention | None) -> bool:
    """Is the number of mention `m` in `text` part of a proper name (see the module docstring)?
    `previous_name_end`: end of the last number found to be part of a name, or -1; `previous`: the
    last figure found before it, if any."""
    if not _bare(text, m) or _TABLE_CELL_AFTER.match(text, m.end):
        return False
    if previous_name_end >= 0 and _LIST_GAP.fullmatch(text, previous_name_end, m.start):
        return True
    run_start = _name_before(text, m.start)
    # "Cao Lộc 5 xã, Lộc Bình 3": the list's previous item is a count, the unit of its first one counts this one
    return run_start is not None and not (previous is not None and previous.kind == "count"
                                          and _LIST_GAP.fullmatch(text, previous.end, run_start) is not None)


def _bare(text: str, m: NumberMention) -> bool:
    digits = text[m.start:m.end]
    return (m.unit is None and m.scale is None and m.qualifier is None and m.range_to is None
            and m.denominator is None and digits.isdigit() and not (len(digits) > 1 and digits[0] == "0"))


def _name_before(text: str, pos: int) -> int | None:
    """Where the name starts, if the number at `pos` is printed right after a run of capitalised
    words that is one. The run may wrap onto the number's line ("cụm công nghiệp Hợp / Thành 1")."""
    if _in_capitals(text, pos):
        return None
    run, run_start = 0, pos
    for word in reversed(list(_WORD.finditer(text, max(0, pos - _REACH), pos))):
        if text[word.end():run_start].strip() or not _capitalised(word.group()) or _in_capitals(text, word.start()):
            break
        run, run_start = run + 1, word.start()
    if run and _opens(text, run_start):
        run -= 1  # the first word of a sentence is capitalised by the sentence
    return run_start if run > 0 else None


def _opens(text: str, pos: int) -> bool:
    """Does the text, a sentence, clause, bracket, quote, bullet or heading open right before `pos`?"""
    end = pos
    while end > 0 and text[end - 1].isspace():
        end -= 1
    return end == 0 or _OPENER.search(text, max(0, end - 40), end) is not None or _in_capitals(text, end - 1)


def _capitalised(word: str) -> bool:
    return word[0].isupper() and _ROMAN.fullmatch(word) is None


def _in_capitals(text: str, at: int) -> bool:
    """Is the line holding offset `at` written in capitals (a heading)?"""
    line_start = text.rfind("\n", 0, at) + 1
    line_end = text.find("\n", at)
    line = text[line_start:line_end if line_end >= 0 else len(text)]
    return sum(c.isupper() for c in line) > sum(c.islower() for c in line)
