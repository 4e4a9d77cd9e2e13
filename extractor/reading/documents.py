"""Documents issued: "đã ban hành hơn 2.530 văn bản, trong đó: 62 văn bản mật, 292 quyết định cá
biệt, 23 kế hoạch … và các văn bản khác", or the kinds alone ("đã ban hành 03 Chỉ thị, 24 Kế
hoạch và nhiều quyết định …").

After "ban hành" (issue), a run of counts of documents (văn bản, quyết định, chỉ thị, kế hoạch,
công văn, báo cáo, thông báo, tờ trình, nghị quyết, công điện, hướng dẫn …) is one record of
schemas/direction.py `DocumentsIssued`: the first count is the `total` when it counts "văn bản"
and opens a list ("trong đó", "gồm", ":", "("); every other count is a part, named by the words
after its number. "gồm" makes the list complete; "trong đó", or "… và các văn bản khác" after
it, partial. A run that a count of anything else interrupts ends there.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from ..document.report import Document, Figure
from ..document.text import fold
from ..output.figures import figure_value
from ..output.result import Record
from .stream import Stream, evidence, scan, sentence_end

# folded document nouns, longest first; "văn bản" is the generic one a total counts
_DOCUMENTS = ("van ban", "quyet dinh", "chi thi", "ke hoach", "cong van", "bao cao", "thong bao", "to trinh",
              "nghi quyet", "cong dien", "huong dan", "giay moi", "de an", "chuong trinh", "thong tu", "nghi dinh")
_ISSUED = re.compile(r"\b(?:ban\s+hanh|phat\s+hanh|ky\s+ban\s+hanh)\b")
_OPENER = re.compile(r"^[^;.]*?(?:\b(trong\s+do|trong\s+so|bao\s+gom|gom|cu\s+the)\b|[:(])")
_OTHERS = re.compile(r"^[^;.]*\bva\s+(?:cac|nhieu)\b[^;.]*\bkhac\b")


@dataclass
class Issued:
    total: Figure | None
    parts: list[tuple[str, Figure]] = field(default_factory=list)  # (name, figure)
    complete: bool | None = None


def read_documents(stream: Stream) -> list[Issued]:
    return scan(stream, _read_run)


def _document(stream: Stream, i: int) -> tuple[str, Figure] | None:
    """(name, figure) when the figure at i counts documents: the words after its number, to the
    clause mark ("văn bản quy phạm pháp luật")."""
    fig = stream.figs[i]
    m = fig.mention
    if m.kind not in ("count", "number") or m.decimals or m.scale or m.denominator or m.range_to:
        return None
    text = stream.words(m.start, m.end).text + " " + stream.before(i + 1) if i + 1 < len(stream.figs) \
        else stream.words(m.start, stream.segments[-1][1]).text
    words = re.sub(r"^\D*[\d.,]+\s*", "", text, count=1)  # the numeral and a qualifier before it
    clause = re.split(r"[,;:.()]|\s(?:và|va)\s", words, maxsplit=1)[0]
    name = " ".join(clause.split())
    if not any(fold(name).startswith(noun) for noun in _DOCUMENTS):
        return None
    if m.unit is None:
        fig = replace(fig, mention=replace(m, unit=next(n for n in _DOCUMENTS if fold(name).startswith(n)), kind="count"))
    return name, fig


def _read_run(stream: Stream, i: int) -> tuple[Issued | None, int]:
    first = _document(stream, i)
    lead = fold(stream.before(i))
    lead = lead[max((m.end() for m in re.finditer(r"[;:]|\.(?:\s|$)", lead)), default=0):]
    if first is None or not _ISSUED.search(lead):
        return None, i + 1
    run = [first]
    j = i
    while j + 1 < len(stream.figs) and not sentence_end(stream.gap(j)) and ";" not in stream.gap(j):
        nxt = _document(stream, j + 1)
        if nxt is None:
            break
        run.append(nxt)
        j += 1
    opener = _OPENER.match(stream.gap(i)) if len(run) > 1 else None
    issued = Issued(total=None)
    if opener is not None and fold(first[0]).startswith("van ban"):
        issued.total = first[1]
        run = run[1:]
        said = opener.group(1)
        issued.complete = None if said is None else "gom" in said
    issued.parts = run
    if not issued.complete and _OTHERS.match(stream.gap(j)):
        issued.complete = False
    if issued.total is None and len(issued.parts) < 2:
        return None, j + 1
    return issued, j + 1


def issued_record(doc: Document, issued: Issued, section_id: str, kind: str, rid: str, source: str) -> Record:
    figures = [f for f in [issued.total, *(fig for _, fig in issued.parts)] if f is not None]
    parts = [Record(id=f"{rid}.parts[{k}]", section_id=section_id, chunk_id=f"{section_id}#reader", kind=kind,
                    type="part", name=name, figures={"value": figure_value(fig)}, labels={"source": source},
                    evidence=evidence(doc, [fig]))
             for k, (name, fig) in enumerate(issued.parts)]
    return Record(id=rid, section_id=section_id, chunk_id=f"{section_id}#reader", kind=kind, type="documents",
                  name="văn bản ban hành", figures={"total": figure_value(issued.total)} if issued.total else {},
                  labels={"source": source}, parts=parts, parts_complete=issued.complete,
                  evidence=evidence(doc, figures))
