"""Small text helpers shared by the layout, heading, metadata and grounding passes."""
from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass

from ..numbers.folding import fold as fold  # re-exported: callers fold through this module


@dataclass(frozen=True)
class Line:
    """One physical line of the normalised text: `start`/`end` exclude the newline."""

    index: int
    start: int
    end: int
    text: str

    @property
    def stripped(self) -> str:
        return self.text.strip()

    @property
    def is_blank(self) -> bool:
        return not self.text.strip()

    @property
    def content_start(self) -> int:
        """Offset of the first non-space character (or `end` for a blank line)."""
        return self.start + (len(self.text) - len(self.text.lstrip()))

    @property
    def content_end(self) -> int:
        """Offset just past the last non-space character."""
        return self.start + len(self.text.rstrip())


def split_lines(text: str) -> list[Line]:
    lines: list[Line] = []
    pos = 0
    for i, raw in enumerate(text.split("\n")):
        lines.append(Line(i, pos, pos + len(raw), raw))
        pos += len(raw) + 1
    return lines


def split_at(lines: list[Line], offsets: frozenset[int]) -> list[Line]:
    """`lines` with a break inserted at each offset inside a line (a heading a PDF tool ran
    onto the end of the previous line: "…tăng 31,5%. 1.4. Hoạt động đầu tư…")."""
    if not offsets:
        return lines
    out: list[Line] = []
    for ln in lines:
        cuts = sorted(o for o in offsets if ln.start < o < ln.end)
        for a, b in zip([ln.start, *cuts], [*cuts, ln.end]):
            out.append(Line(ln.index, a, b, ln.text[a - ln.start:b - ln.start]))
    return out


_WS = re.compile(r"\s+")


def collapse_ws(text: str) -> str:
    return _WS.sub(" ", text).strip()


# A word cut at the end of a line by a PDF tool: "chí-\n\nnh sách". Not "kinh tế -\nxã hội"
# (a dash), "1.400-\n1.800" (a range) or "02/CT-\nTTg" (a code).
_SPLIT_WORD = re.compile(r"(?<=[^\W\d_])-[ \t]*\n\s*(?=[^\W\d_])")


def unwrap(text: str) -> str:
    """Wrapped lines as one: hyphenated words joined, whitespace collapsed."""
    return collapse_ws(_SPLIT_WORD.sub(lambda m: "" if text[m.end()].islower() else m.group(), text))


_WORD = re.compile(r"\w+")


def folded_words(text: str) -> list[str]:
    """The words of `text` on the folded skeleton (NFC first, so a decomposed "ư" folds too)."""
    return _WORD.findall(fold(unicodedata.normalize("NFC", text)))


def unprinted_words(name: str, text: str, limit: int = 8) -> list[str]:
    """The words of `name` (as the name writes them) that `text` does not print, the first
    `limit` of them, compared folded: case and diacritics are ignored, so "Chủ tịch" is printed
    by OCR'd "Chu tich", and a word of four letters or more one letter away from a word of the
    text (one garbled, missing or extra: "luén" for "luận") counts as printed (a shorter word
    must be printed as it is: "thu" is not "chu"). Word order is not compared: a name may take
    words from across its sentence. A name of no word at all ("…") is itself unprinted."""
    printed = set(folded_words(text))
    # One letter dropped from each printed word, with where: the same drop from a name's word
    # giving the same string means one letter differs there.
    dropped = {(w[:i] + w[i + 1:], i) for w in printed for i in range(len(w))}
    shorter = {d for d, _ in dropped}

    def one_letter_off(word: str) -> bool:
        return word in shorter or any((word[:i] + word[i + 1:], i) in dropped or word[:i] + word[i + 1:] in printed
                                      for i in range(len(word)))

    name = unicodedata.normalize("NFC", name)
    if name.strip() and not _WORD.search(name):
        return [name.strip()]
    missing: list[str] = []
    for m in _WORD.finditer(fold(name)):  # fold keeps offsets: m's span is the word in `name`
        word = m.group()
        if word in printed or len(word) >= 4 and one_letter_off(word):
            continue
        missing.append(name[m.start():m.end()])
        if len(missing) == limit:  # enough to mark the name (a hostile reply's 100 000 words stop here)
            break
    return missing


def appears_in(snippet: str, text: str, min_ratio: float = 0.85) -> bool:
    """Is `snippet` copied from `text`? Compared on the folded skeleton (case, diacritics and
    spacing ignored); OCR'd text ("cac so, ban, nganh lién quan") may differ by a few garbled
    letters, so a window of the text at least `min_ratio` similar also counts."""
    needle, hay = collapse_ws(fold(snippet)), collapse_ws(fold(text))
    if not needle:
        return False
    if needle in hay:
        return True
    n = len(needle)
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(needle)
    for start in range(0, max(1, len(hay) - n + 1)):
        matcher.set_seq1(hay[start:start + n])
        if matcher.real_quick_ratio() >= min_ratio and matcher.quick_ratio() >= min_ratio \
                and matcher.ratio() >= min_ratio:
            return True
    return False
