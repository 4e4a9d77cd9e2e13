"""Vietnamese written with or without its diacritics: the folded skeleton, and patterns that
accept a word typed (or OCR'd) without its marks wherever the marked word would be accepted.

It lives in the lowest layer because the number parser needs it: a scale word or unit typed
"trieu dong" must give the value and unit "triệu đồng" gives.
"""
from __future__ import annotations

import functools
import re
import unicodedata

_FOLD_EXTRA = str.maketrans({"đ": "d", "Đ": "D"})


def fold(text: str) -> str:
    """Lower-case ASCII skeleton of Vietnamese text, one char per input char.

    OCR output loses or garbles diacritics ("Két luén cia Chi tich"), so structural cues are
    matched on this skeleton. Each character folds to exactly one character, so offsets found
    in the folded string are valid in the original (NFC) string too.
    """
    return "".join(map(_fold_char, text.translate(_FOLD_EXTRA)))


@functools.lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    base = unicodedata.normalize("NFD", ch)[0].lower()
    return base if len(base) == 1 else ch


def marks_optional(pattern: str) -> str:
    """`pattern` with each marked letter also accepting its bare letter: "tỷ" → "t[ỷy]".

    A letter is either as the pattern writes it or written with no mark at all, never with
    another mark: "dong" and "đồng" match the pattern of "đồng", "đông" (east) does not; "ho"
    matches "hộ" (household) but "hồ" (lake) does not. So text typed without diacritics reads
    like the accented text, and accented text reads exactly as before. Letters inside a
    character class gain their bare letter inside the class.
    """
    out: list[str] = []
    in_class = escaped = False
    for ch in pattern:
        bare = fold(ch)
        if escaped or not ch.isalpha() or bare == ch.lower():
            out.append(ch)
        elif in_class:
            out.append(ch + bare + bare.upper())
        else:
            out.append(f"[{ch}{bare}]")
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "[":
            in_class = True
        elif ch == "]":
            in_class = False
    return "".join(out)


_WORD = re.compile(r"[^\W\d_]+")


def writes_marks(text: str) -> bool:
    """Whether most words of `text` carry a diacritic: there a word typed bare ("nam": male,
    south) is itself, not the marked word it folds into ("năm": year). Acronyms ("UBND")
    are not counted; OCR'd or unaccented text ("Tong thu ... trieu dong") has few marked words."""
    words = [w for w in _WORD.findall(text) if not (w.isupper() and len(w) > 1 and w.isascii())]
    return 2 * sum(fold(w) != w.lower() for w in words) > len(words)
