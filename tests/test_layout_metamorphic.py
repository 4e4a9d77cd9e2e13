"""Metamorphic tests of the layout pass: what a PDF-to-text tool varies must not change the tree.

Each perturbation is a small function on the raw text of a sample report that returns edits;
the reference is the tree of the unperturbed text. After every perturbation the section ids,
titles (whitespace collapsed), footnotes (number, text, marker offset mapped back through the
perturbation, section) and warnings must be those of the reference.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Callable

import pytest

from extractor.document.report import Document, parse_text
from extractor.document.text import collapse_ws

from .conftest import REPORT_2024, REPORT_2026
from .test_structure import IDS_2024, IDS_2026

Edit = tuple[int, int, str]          # replace raw[start:end] with the string
_LINE = re.compile(r"[^\n]*\n?")


@dataclass(frozen=True)
class Perturbed:
    text: str
    origin: tuple[int, ...]          # origin[i]: raw offset of text[i], -1 where inserted

    def back(self, offset: int) -> int:
        return self.origin[offset]


def apply(raw: str, edits: list[Edit]) -> Perturbed:
    """Apply non-overlapping edits; a same-length replacement keeps its characters' origins,
    any other maps all its characters to the start of what it replaced."""
    parts: list[str] = []
    origin: list[int] = []
    pos = 0
    for start, end, new in sorted(edits):
        assert start >= pos, "overlapping edits"
        parts.append(raw[pos:start])
        origin.extend(range(pos, start))
        parts.append(new)
        if end - start == len(new):
            origin.extend(range(start, end))
        else:
            origin.extend([start if end > start else -1] * len(new))
        pos = end
    parts.append(raw[pos:])
    origin.extend(range(pos, len(raw)))
    return Perturbed("".join(parts), tuple(origin))


def lines(raw: str) -> list[tuple[int, int, str]]:
    """(start, end without newline, text) of every line."""
    return [(m.start(), m.start() + len(m.group().rstrip("\n")), m.group().rstrip("\n"))
            for m in _LINE.finditer(raw) if m.group()]


# What the samples' PDF extractor did: a page's first line starts with one space, a footnote
# separator is a line of spaces. The perturbations rewrite exactly these.
def page_starts(raw: str) -> list[int]:
    return [s for s, _, t in lines(raw)[1:] if re.match(r" \S", t)]


def rules(raw: str) -> list[tuple[int, int]]:
    return [(s, e) for s, e, t in lines(raw) if len(t) >= 10 and not t.strip()]


def reindent(indent: str) -> Callable[[str], list[Edit]]:
    return lambda raw: [(s, s + 1, indent) for s in page_starts(raw)]


def separator(chars: str) -> Callable[[str], list[Edit]]:
    return lambda raw: [(s, e, chars) for s, e in rules(raw)]


def no_separator(raw: str) -> list[Edit]:
    return [(s, e + 1, "") for s, e in rules(raw)]


def page_numbers(label: str, indent: str = " ") -> Callable[[str], list[Edit]]:
    """A page-number line where each page begins (the top of page n, after page n-1's footnotes)."""
    def edits(raw: str) -> list[Edit]:
        total = len(page_starts(raw)) + 1
        return [(s, s + 1, label.format(n=n, total=total) + "\n" + indent)
                for n, s in enumerate(page_starts(raw), start=2)]
    return edits


def stripped(raw: str) -> list[Edit]:
    """Every line without leading or trailing whitespace (a separator of spaces vanishes)."""
    edits: list[Edit] = []
    for s, e, t in lines(raw):
        lead, trail = len(t) - len(t.lstrip()), len(t) - len(t.rstrip())
        if not t.strip():
            edits += [(s, e, "")] if t else []
            continue
        edits += [(s, s + lead, "")] if lead else []
        edits += [(e - trail, e, "")] if trail else []
    return edits


def combined(*perturbations: Callable[[str], list[Edit]]) -> Callable[[str], list[Edit]]:
    """Several perturbations at once; where two edit the same text, the first one wins."""
    def edits(raw: str) -> list[Edit]:
        taken: list[Edit] = []
        for perturbation in perturbations:
            taken += [ed for ed in perturbation(raw)
                      if not any(ed[0] < e and s < ed[1] or ed[0] == s for s, e, _ in taken)]
        return taken
    return edits


def doubled_blank_lines(raw: str) -> list[Edit]:
    return [(e, e, "\n" + t) for s, e, t in lines(raw) if not t.strip() and len(t) < 10]


def no_blank_lines(raw: str) -> list[Edit]:
    return [(s, e + 1, "") for s, e, t in lines(raw) if not t.strip() and len(t) < 10 and e < len(raw)]


def crlf(raw: str) -> list[Edit]:
    return [(m.start(), m.end(), "\r\n") for m in re.finditer("\n", raw)]


def nfd(raw: str) -> list[Edit]:
    return [(i, i + 1, unicodedata.normalize("NFD", ch)) for i, ch in enumerate(raw)
            if unicodedata.normalize("NFD", ch) != ch]


def hyphenated(raw: str) -> list[Edit]:
    """Every third long body line that ends in a word of 4+ letters, followed by a lower-case
    line, is hyphenated: "công nghiệp\\n\\nđã" becomes "công nghi-\\n\\nệpđã"… with the word's
    tail moved to the next line: "công nghi-\\n\\nệp đã"."""
    text_lines = lines(raw)
    zones = _footnote_lines(raw)
    edits: list[Edit] = []
    eligible = 0
    for i, (s, e, t) in enumerate(text_lines):
        m = re.search(r"(?<=\s)([^\W\d_]{4,})\s*$", t)
        nxt = next(((ns, ne, nt) for ns, ne, nt in text_lines[i + 1:] if nt.strip()), None)
        if not m or len(t) < 60 or nxt is None or s in zones or nxt[0] in zones:
            continue
        if not re.match(r"\s*[a-zàáảãạăâđèéẻẽẹêìíỉĩịòóỏõọôơùúủũụưỳýỷỹỵ]", nxt[2]):
            continue
        eligible += 1
        if eligible % 3:
            continue
        word_start = s + m.start(1)
        cut = word_start + len(m.group(1)) - 2
        tail = raw[cut:word_start + len(m.group(1))]
        edits.append((cut, e, "-"))
        content = nxt[0] + len(nxt[2]) - len(nxt[2].lstrip())
        edits.append((content, content, tail + " "))
    return edits


def _footnote_lines(raw: str) -> set[int]:
    """Starts of the lines the reference reads as footnote zones (never hyphenated here)."""
    doc = parse_text(raw)
    return {s for s, e, _ in lines(raw) for zs, ze in doc.layout.zones if zs <= s < ze}


def footnote_over_the_page(raw: str) -> list[Edit]:
    """The last line of a page's last footnote moves to the top of the next page's footnotes."""
    doc = parse_text(raw)
    edits: list[Edit] = []
    for fn, nxt in zip(doc.footnotes, doc.footnotes[1:]):
        same_zone = any(zs <= fn.start < ze and zs <= nxt.start < ze for zs, ze in doc.layout.zones)
        if same_zone or len(fn.spans) > 1:
            continue
        s, e = doc.normalized.span_to_original(*fn.spans[-1])
        cut = raw.rfind("\n", s, e)
        if cut < 0:
            continue
        line_start = raw.rfind("\n", 0, doc.normalized.to_original(nxt.start)) + 1
        moved = raw[cut + 1:e].strip()
        edits += [(cut, e, ""), (line_start, line_start, moved + "\n")]
        return edits
    pytest.fail("no footnote at the end of a zone followed by a zone that starts with the next one")


PERTURBATIONS: dict[str, Callable[[str], list[Edit]]] = {
    "page start without indent": reindent(""),
    "page start with 4 spaces": reindent("    "),
    "page start with a tab": reindent("\t"),
    "separator ____": separator("______________________"),
    "separator -----": separator("------------------------------"),
    "separator ———": separator("———————————"),
    "separator missing": no_separator,
    "page number 4": page_numbers("{n}"),
    "page number - 4 -": page_numbers("- {n} -"),
    "page number Trang 4": page_numbers("Trang {n}"),
    "page number 4/12": page_numbers("{n}/{total}"),
    "page number, page start without indent": page_numbers("{n}", indent=""),
    "page number, no indent, no separator": combined(page_numbers("- {n} -", indent=""), no_separator),
    "every line stripped": stripped,
    "page number, every line stripped, no blank lines": combined(page_numbers("Trang {n}", indent=""), stripped,
                                                                 no_blank_lines),
    "blank lines doubled": doubled_blank_lines,
    "blank lines removed": no_blank_lines,
    "CRLF line ends": crlf,
    "hyphenated line ends": hyphenated,
    "footnote over the page": footnote_over_the_page,
    "NFD": nfd,
}
REPORTS = {"2026": REPORT_2026, "2024": REPORT_2024}


@dataclass(frozen=True)
class Tree:
    ids: list[str]
    titles: list[str]
    footnotes: list[tuple[int, str, int | None, str | None]]   # number, text, raw marker offset, section
    warnings: list[str]


def tree(doc: Document, back: Callable[[int], int] = lambda i: i) -> Tree:
    def marker(fn) -> int | None:  # type: ignore[no-untyped-def]
        return back(doc.normalized.to_original(fn.marker[0])) if fn.marker else None
    return Tree(ids=[s.id for s in doc.sections], titles=[collapse_ws(s.title) for s in doc.sections],
                footnotes=[(fn.number, collapse_ws(fn.text), marker(fn), fn.section_id) for fn in doc.footnotes],
                warnings=list(doc.metadata.warnings))


_REFERENCE: dict[str, tuple[str, Tree]] = {}


def reference(name: str) -> tuple[str, Tree]:
    if name not in _REFERENCE:
        raw = REPORTS[name].read_text(encoding="utf-8")
        _REFERENCE[name] = (raw, tree(parse_text(raw)))
    return _REFERENCE[name]


def test_the_reference_trees_hold_known_facts() -> None:
    _, t26 = reference("2026")
    _, t24 = reference("2024")
    assert t26.ids == IDS_2026 and [n for n, *_ in t26.footnotes] == list(range(1, 11))
    assert t24.ids == IDS_2024 and [n for n, *_ in t24.footnotes] == list(range(1, 17))
    assert t26.warnings == [] and t24.warnings == []
    assert all(m is not None for _, _, m, _ in t26.footnotes + t24.footnotes)


@pytest.mark.parametrize("perturbation", list(PERTURBATIONS))
@pytest.mark.parametrize("report", list(REPORTS))
def test_layout_perturbation_keeps_the_tree(report: str, perturbation: str) -> None:
    raw, expected = reference(report)
    edits = PERTURBATIONS[perturbation](raw)
    assert edits, "the perturbation changed nothing"
    changed = apply(raw, edits)
    got = tree(parse_text(changed.text), changed.back)
    assert got.ids == expected.ids
    assert got.titles == expected.titles
    assert got.footnotes == expected.footnotes
    assert got.warnings == expected.warnings


def test_a_stray_number_line_does_not_hide_the_page_numbers() -> None:
    """A lone "150" in the body (a table cell, say) is not a page number, and the real page
    numbers after it are still page furniture. The heading after it ("II.") is found although
    the line before it ended no sentence: the numbering (I → III) sent the pass looking."""
    raw, expected = reference("2026")
    numbered = apply(raw, page_numbers("{n}", indent="")(raw))
    stray = numbered.text.index("hoàn thành còn thời hạn.")  # the end of section I, on page 2
    text = numbered.text[:stray] + "hoàn thành còn thời hạn.\n150\n" + numbered.text[stray + 24:]
    doc = parse_text(text)
    assert [s.id for s in doc.sections] == expected.ids
    assert [(fn.number, collapse_ws(fn.text), fn.section_id) for fn in doc.footnotes] == \
        [(n, t, sid) for n, t, _, sid in expected.footnotes]
    assert "150" in doc.section_view(doc.section("I")).text
    assert len(doc.layout.furniture) == len(page_starts(raw))


def test_a_dashed_line_in_the_body_takes_no_text() -> None:
    """A line of dashes in the body (a table border, a decorative rule) on a numbered page,
    after a page whose footnotes ended, opens no footnote: the text under it stays body."""
    raw, expected = reference("2024")
    numbered = apply(raw, page_numbers("{n}", indent="")(raw)).text
    at = numbered.index("dự án chuyển tiếp.") + len("dự án chuyển tiếp.")   # III.5, after footnote 16's page
    doc = parse_text(numbered[:at] + "\n--------------------\n" + numbered[at:])
    assert [s.id for s in doc.sections] == expected.ids
    assert [(fn.number, collapse_ws(fn.text), fn.section_id) for fn in doc.footnotes] == \
        [(n, t, sid) for n, t, _, sid in expected.footnotes]
    assert "Các chủ đầu tư, nhà đầu tư khẩn trương" in doc.section_view(doc.section("III.5")).text
