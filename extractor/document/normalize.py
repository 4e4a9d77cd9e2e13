"""Unicode NFC (and LF line ends) with a map back to offsets in the original text.

The sample reports mix composed and decomposed diacritics ("chăm sóc" with a combining
acute). All matching happens on NFC text; users and reviewers need original offsets back.
"""
from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass, field


@dataclass(frozen=True)
class NormalizedText:
    text: str
    # Breakpoints: normalised offset norm_at[i] corresponds to original offset orig_at[i];
    # between breakpoints the two advance together. Empty when the text needed no change.
    norm_at: tuple[int, ...] = field(default=(), repr=False)
    orig_at: tuple[int, ...] = field(default=(), repr=False)

    def to_original(self, offset: int) -> int:
        if not self.norm_at:
            return offset
        i = bisect.bisect_right(self.norm_at, offset) - 1
        if i < 0:
            return offset
        if i + 1 < len(self.norm_at) and offset > self.norm_at[i]:
            # inside a changed cluster: map to its start; a cluster end maps to the next start
            nxt_norm, nxt_orig = self.norm_at[i + 1], self.orig_at[i + 1]
            span_norm = nxt_norm - self.norm_at[i]
            span_orig = nxt_orig - self.orig_at[i]
            if span_norm != span_orig:
                return self.orig_at[i]
        return self.orig_at[i] + (offset - self.norm_at[i])

    def span_to_original(self, start: int, end: int) -> tuple[int, int]:
        return self.to_original(start), self.to_original(end)


_LINE = re.compile(r"[^\n]*\n?")


def normalize(original: str) -> NormalizedText:
    if "\r" not in original and unicodedata.is_normalized("NFC", original):
        return NormalizedText(original)
    out: list[str] = []
    norm_at: list[int] = [0]
    orig_at: list[int] = [0]
    n = 0
    for line in _LINE.finditer(original):
        text = line.group()
        if "\r" not in text and unicodedata.is_normalized("NFC", text):  # most lines: copy as they are
            out.append(text)
            n += len(text)
            continue
        i, length = line.start(), line.end()
        while i < length:
            j = i + 1
            if original[i] == "\r":
                cluster, j = "\n", (i + 2 if original[i + 1:i + 2] == "\n" else i + 1)
            else:
                while j < length and unicodedata.combining(original[j]):
                    j += 1
                cluster = unicodedata.normalize("NFC", original[i:j])
            if len(cluster) != j - i or cluster != original[i:j]:
                if norm_at[-1] != n:
                    norm_at.append(n)
                    orig_at.append(i)
                norm_at[-1], orig_at[-1] = n, i
                norm_at.append(n + len(cluster))
                orig_at.append(j)
            out.append(cluster)
            n += len(cluster)
            i = j
    return NormalizedText("".join(out), tuple(norm_at), tuple(orig_at))
