"""A derived, readable text (whitespace collapsed, footnote zones and markers cut out) that
remembers, for every character, where it came from in the normalised document text.

Section bodies are sent to the model and searched for quotes through a view, and every hit is
mapped back to document offsets, so evidence always points at the report itself.
"""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

Span = tuple[int, int]


@dataclass(frozen=True)
class TextView:
    text: str
    offsets: tuple[int, ...]  # offsets[i]: document offset of text[i]

    def span_to_doc(self, start: int, end: int) -> Span:
        """Document span of view characters [start, end) (end > start)."""
        return self.offsets[start], self.offsets[end - 1] + 1

    def find_all(self, quote: str) -> list[Span]:
        """View spans where `quote` occurs, comparing runs of whitespace as one space."""
        words = quote.split()
        if not words:
            return []
        pattern = r"\s*".join(re.escape(w) for w in words)
        return [m.span() for m in re.finditer(pattern, self.text)]


_RUN = re.compile(r"\s+|\S+")


def build_view(doc: str, segments: list[Span], drop: Sequence[Span] = ()) -> TextView:
    """Concatenate `segments` of `doc`, skipping characters inside `drop` and collapsing every
    whitespace run (line breaks and segment joins included) into one space."""
    holes = sorted(drop)
    parts: list[str] = []
    offsets: list[int] = []
    after_space = True  # no leading space
    for start, end in segments:
        for a, b in subtract((start, end), holes):
            for run in _RUN.finditer(doc, a, b):
                if run.group().isspace():
                    if not after_space:
                        parts.append(" ")
                        offsets.append(run.start())
                        after_space = True
                else:
                    parts.append(run.group())
                    offsets.extend(range(run.start(), run.end()))
                    after_space = False
        if not after_space:
            parts.append(" ")
            offsets.append(end)
            after_space = True
    if parts and parts[-1] == " ":
        parts.pop()
        offsets.pop()
    return TextView("".join(parts), tuple(offsets))


def subtract(span: Span, holes: list[Span]) -> list[Span]:
    """`span` minus `holes`, as sorted non-empty segments."""
    out: list[Span] = []
    pos = span[0]
    for s, e in sorted(holes):
        if e <= pos or s >= span[1]:
            continue
        if s > pos:
            out.append((pos, s))
        pos = max(pos, e)
    if pos < span[1]:
        out.append((pos, span[1]))
    return out
