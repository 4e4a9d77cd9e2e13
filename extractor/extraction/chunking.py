"""Cut sections into the small pieces a small model reads well.

Measured with the embedded 1.5B model: a whole 935-character budget section gave 1 of 8
figures right; the same text in ~300-character pieces gave 7 of 8. So a section's own text is
cut at sentence ends into pieces of a few sentences, a sentence too long for one piece at its
clause ends ("; "), never inside a number. A piece that continues a list opened by "trong đó",
"gồm" or "chủ yếu" carries the clause that opened it as context, with that clause's figures,
so the model can hang the parts on their total. Each footnote is a piece of its own, with the
sentence that cites it as context.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..document.report import Document, Figure
from ..document.sections import Section
from ..document.view import TextView, build_view

Span = tuple[int, int]
TARGET = 320
LIMIT = 520
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=\S)")
_UNIT_END = re.compile(r"(?<=[.!?;:])\s+(?=\S)")
_CLAUSE_END = re.compile(r"(?<=[;,])\s+(?=\S)")
_LIST_OPENER = re.compile(r"trong đó|gồm|chủ yếu|cụ thể", re.I)


@dataclass
class Chunk:
    id: str                       # "<section id>#<n>" or "<section id>#fn<k>"
    section_id: str
    title_path: str
    text: str
    span: Span                    # document span of the text
    context: str = ""
    figures: list[Figure] = field(default_factory=list)   # the piece's own figures, ids n1…
    context_figures: list[Figure] = field(default_factory=list)
    # The piece's figures the model is asked about when the reader settles the others (engine's
    # plan); None: all of them. Only these and the context's are listed to the model.
    focus: list[Figure] | None = None

    def listed(self) -> list[tuple[str, Figure]]:
        """(id, figure) for every figure the model may refer to: the piece's (those in focus),
        then the context's."""
        every = (self.figures if self.focus is None else self.focus) + self.context_figures
        return [(f"n{i}", fig) for i, fig in enumerate(every, 1)]


def title_path(doc: Document, sec: Section) -> str:
    parts = []
    node: Section | None = sec
    while node is not None:
        parts.append(f"{node.id.split('.')[-1]}. {node.title}" if node.numbering != "preamble" else node.title)
        node = doc.section(node.parent) if node.parent else None
    return " > ".join(reversed(parts))


def chunk_section(doc: Document, sec: Section, whole: bool = False) -> list[Chunk]:
    """The pieces of a section's own text (all of it in one piece if `whole`), then its footnotes."""
    view = doc.section_view(sec)
    path = title_path(doc, sec)
    spans = [((0, len(view.text)), None)] if whole and view.text else _pieces(view.text)
    chunks = [_chunk(doc, sec, path, view, i, piece, context) for i, (piece, context) in enumerate(spans, 1)]
    for fn in doc.footnotes:
        if fn.section_id == sec.id:
            cited = _citing_sentence(doc, view, fn.marker) if fn.marker else ""
            figs = [f for f in doc.figures if f.footnote == fn.number]
            chunks.append(Chunk(f"{sec.id}#fn{fn.number}", sec.id, f"{path} > chú thích {fn.number}",
                                fn.text, (fn.start, fn.end), context=cited, figures=figs))
    return chunks


def _chunk(doc: Document, sec: Section, path: str, view: TextView, n: int,
           piece: Span, context: Span | None) -> Chunk:
    span = view.span_to_doc(*piece)
    figures = _figures_in(doc, span)
    ctx_span = view.span_to_doc(*context) if context else None
    return Chunk(f"{sec.id}#{n}", sec.id, path, view.text[piece[0]:piece[1]], span,
                 context=view.text[context[0]:context[1]] if context else "",
                 figures=figures, context_figures=_figures_in(doc, ctx_span) if ctx_span else [])


def _figures_in(doc: Document, span: Span) -> list[Figure]:
    return [f for f in doc.figures if f.footnote is None and span[0] <= f.mention.start and f.mention.end <= span[1]]


def _pieces(text: str) -> list[tuple[Span, Span | None]]:
    """(piece, context) view spans: units (sentences and "; "/":" clauses) packed up to TARGET.

    After a unit that opens a list ("…, trong đó:"), the following units until the sentence
    ends carry that unit as context, unless their piece already holds it.
    """
    units: list[Span] = []
    for unit in _split(text, (0, len(text)), _UNIT_END):
        units.extend(_pack(_split(text, unit, _CLAUSE_END), LIMIT) if unit[1] - unit[0] > LIMIT else [unit])
    pieces: list[list] = []  # [start, end, context]
    opener: Span | None = None
    for unit in units:
        ctx = opener
        last = pieces[-1] if pieces else None
        if last is not None and unit[1] - last[0] <= TARGET and (ctx == last[2] or (ctx is not None and last[0] <= ctx[0])):
            last[1] = unit[1]
        else:
            pieces.append([unit[0], unit[1], ctx])
        stripped = text[unit[0]:unit[1]].rstrip()
        if stripped.endswith(":") and _LIST_OPENER.search(stripped):
            opener = unit
        elif stripped.endswith("."):
            opener = None
    return [((p[0], p[1]), p[2] if p[2] is None or p[2][0] < p[0] else None) for p in pieces]


def _split(text: str, span: Span, boundary: re.Pattern[str]) -> list[Span]:
    out, pos = [], span[0]
    for m in boundary.finditer(text, span[0], span[1]):
        if _inside_number(text, m.start()):
            continue
        out.append((pos, m.start()))
        pos = m.end()
    out.append((pos, span[1]))
    return [s for s in out if s[1] > s[0]]


def _inside_number(text: str, pos: int) -> bool:
    return 0 < pos < len(text) - 1 and text[pos - 1].isdigit() and text[pos + 1].isdigit()


def _pack(spans: list[Span], limit: int) -> list[Span]:
    packed: list[Span] = []
    for s in spans:
        if packed and s[1] - packed[-1][0] <= limit // 2:
            packed[-1] = (packed[-1][0], s[1])
        else:
            packed.append(s)
    return packed


def _citing_sentence(doc: Document, view: TextView, marker: Span) -> str:
    """The sentence of the section body that carries the footnote's marker."""
    at = next((i for i, off in enumerate(view.offsets) if off >= marker[0]), len(view.text))
    starts = [0] + [m.end() for m in _SENTENCE_END.finditer(view.text, 0, at)]
    end = _SENTENCE_END.search(view.text, at)
    return view.text[starts[-1]:end.start() if end else len(view.text)]


def split_chunk(doc: Document, chunk: Chunk) -> list[Chunk]:
    """Two halves of a chunk, cut at the unit or clause end nearest its middle ([] if none):
    what the engine does when a reply is cut off by the token limit."""
    if "#fn" in chunk.id:
        view = build_view(doc.text, [chunk.span])
    else:
        view = doc.view(*chunk.span)
    middle = len(view.text) // 2
    cuts = [m for m in list(_UNIT_END.finditer(view.text)) + list(_CLAUSE_END.finditer(view.text))
            if not _inside_number(view.text, m.start())]
    if not cuts:
        return []
    cut = min(cuts, key=lambda m: abs(m.start() - middle))
    halves = []
    for suffix, (a, b) in (("a", (0, cut.start())), ("b", (cut.end(), len(view.text)))):
        span = view.span_to_doc(a, b)
        halves.append(Chunk(f"{chunk.id}{suffix}", chunk.section_id, chunk.title_path, view.text[a:b], span,
                            context=chunk.context, figures=[f for f in chunk.figures if span[0] <= f.mention.start < span[1]],
                            context_figures=chunk.context_figures,
                            focus=None if chunk.focus is None else [f for f in chunk.focus if span[0] <= f.mention.start < span[1]]))
    return halves
