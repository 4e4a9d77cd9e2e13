"""A derived, readable text (whitespace collapsed, footnote zones and markers cut out) that
remembers, for every character, where it came from in the normalised document text.

Section bodies are sent to the model and searched for quotes through a view, and every hit is
mapped back to document offsets, so evidence always points at the report itself.
"""
from __future__ import annotations

import re
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


def build_view(doc: str, segments: list[Span], drop: list[Span] = ()) -> TextView:
    """Concatenate `segments` of `doc`, skipping characters inside `drop` and collapsing every
    whitespace run (line breaks and segment joins included) into one space."""
    dropped = sorted(drop)
    chars: list[str] = []
    offsets: list[int] = []
    k = 0
    for start, end in segments:
        pos = start
        while pos < end:
            while k < len(dropped) and dropped[k][1] <= pos:
                k += 1
            if k < len(dropped) and dropped[k][0] <= pos < dropped[k][1]:
                pos = dropped[k][1]
                continue
            ch = doc[pos]
            if ch.isspace():
                if chars and chars[-1] != " ":
                    chars.append(" ")
                    offsets.append(pos)
            else:
                chars.append(ch)
                offsets.append(pos)
            pos += 1
        if chars and chars[-1] != " ":
            chars.append(" ")
            offsets.append(end)
    while chars and chars[-1] == " ":
        chars.pop()
        offsets.pop()
    return TextView("".join(chars), tuple(offsets))


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
