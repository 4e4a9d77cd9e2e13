"""A total whose parts the words themselves make complete, with no "trong đó" / "gồm" to open them:

- done_and_not_yet: "toàn tỉnh có 43.947 người được nhận quà …, đã có 42.279 người được nhận quà⁸"
  and footnote 8 "Số người chưa được nhận quà tặng là 1.668 người": what was done ("đã") and what
  was not yet ("chưa" the same verb) split the whole, so they add up to it;
- closed_by_other: "phát hiện sai phạm … 731,32 triệu đồng, kiến nghị thu hồi 358,56 triệu đồng;
  giảm trừ thanh toán, quyết toán và xử lý khác 372,76 triệu đồng": figures of the total's unit
  right after it, the last one "… khác" (the rest), are the whole list of its parts.

Both are checked as a complete list (rule parts_total), by interval arithmetic; a figure that
is approximate, a range or a percentage takes no part. With no opening word, figures after a total
may as well be its siblings ("chi đầu tư 100 tỷ, chi thường xuyên 200 tỷ, chi khác 50 tỷ"): a
list closed by "khác" only confirms (parts that add up pass, others are undecidable, "skip"),
never flags; "đã" and "chưa" of one verb leave no other reading, so they may fail.
"""
from __future__ import annotations

import re
from decimal import Decimal

from ..checks.records import compare_sum, make_check, mark, shown, shown_value
from ..document.report import Document, Figure
from ..document.text import fold
from ..numbers.intervals import interval
from ..output.figures import figure_value
from ..output.result import Check, CheckStatus, FigureValue

_SENTENCE_END = re.compile(r"\.(?:\s|$)")
_CLAUSE_END = re.compile(r"[.;](?:\s|$)")
_DONE_BEFORE = re.compile(r"(?<!\w)da(?:\s+\w+){0,3}\s*$")  # "đã có 42.279", "đã được cấp 120"
_NOT_YET = re.compile(r"(?<!\w)chua\s+((?:\w+\s+){0,4})")
_LINK_WORDS = {"duoc", "co", "bi", "la", "so", "nguoi", "tong"}
_OTHER = re.compile(r"(?<!\w)khac\s*$")


def check_splits(doc: Document, section_id: str) -> list[Check]:
    body = [f for f in doc.figures if f.section_id == section_id and f.footnote is None and _usable(f)]
    return _done_and_not_yet(doc, body) + _closed_by_other(doc, body)


def _usable(fig: Figure) -> bool:
    m = fig.mention
    return m.unit not in (None, "%") and m.kind != "fraction" and m.qualifier is None and m.range_to is None \
        and interval(figure_value(fig)) is not None


def _between(doc: Document, a: int, b: int) -> str:
    return fold(doc.view(a, b).text) if a < b else ""


def _done_and_not_yet(doc: Document, body: list[Figure]) -> list[Check]:
    checks = []
    for k, done in enumerate(body):
        m = done.mention
        said = _DONE_BEFORE.search(_between(doc, max(0, m.start - 40), m.start))
        total = _total_before(doc, body, k) if said else None
        if said is None or total is None:
            continue
        sentence_end = _end_of(doc, m.end, _SENTENCE_END)
        # the words of the "đã" clause: "đã có 42.279 người được nhận quà"
        done_words = set(said.group().split()) | set(_between(doc, m.end, _end_of(doc, m.end, _CLAUSE_END)).split())
        rest = _not_yet(doc, done, sentence_end, done_words)
        if rest is None:
            continue
        checks.append(_sum_check(doc, total, [("done", done), ("not_yet", rest)],
                                 "what was done (đã) and what was not yet (chưa) make the whole", refutes=True))
    return checks


def _end_of(doc: Document, start: int, pattern: re.Pattern[str]) -> int:
    m = pattern.search(doc.text, start)
    return m.start() + 1 if m else len(doc.text)


def _total_before(doc: Document, body: list[Figure], k: int) -> Figure | None:
    """The figure of the same unit right before, in the same sentence, and larger."""
    done = body[k]
    for j in range(k - 1, -1, -1):
        prev = body[j]
        if _SENTENCE_END.search(doc.text, prev.mention.end, done.mention.start):
            return None
        if prev.mention.unit == done.mention.unit:
            return prev if prev.mention.value > done.mention.value else None
    return None


def _not_yet(doc: Document, done: Figure, sentence_end: int, done_words: set[str]) -> Figure | None:
    """The one figure of the done figure's unit that follows a "chưa <verb of the done clause>":
    later in the sentence, or in a footnote cited there."""
    cited = {fn.number for fn in doc.footnotes if fn.marker and done.mention.start <= fn.marker[0] <= sentence_end}
    found = []
    for fig in doc.figures:
        m = fig.mention
        if m.unit != done.mention.unit or not _usable(fig):
            continue
        if fig.footnote in cited:
            note = next(fn for fn in doc.footnotes if fn.number == fig.footnote)
            lead = fold(doc.text[note.start:m.start])  # a footnote's own text (the body's view leaves it out)
        elif fig.footnote is None and fig.section_id == done.section_id and done.mention.end < m.start < sentence_end:
            lead = _between(doc, done.mention.end, m.start)
        else:
            continue
        clause = re.split(r"[;,]", lead)[-1]
        said = _NOT_YET.search(clause)
        verbs = [w for w in said.group(1).split() if w not in _LINK_WORDS] if said else []
        if verbs and verbs[0] in done_words:
            found.append(fig)
    return found[0] if len(found) == 1 else None


def _closed_by_other(doc: Document, body: list[Figure]) -> list[Check]:
    """A total, then two or more figures of its unit up to the sentence's end, the last named "… khác":
    nothing of the total's unit stands between, and the total itself opens no list."""
    checks = []
    for k, total in enumerate(body):
        sentence_end = _end_of(doc, total.mention.end, _SENTENCE_END)
        after = [f for f in body[k + 1:] if f.mention.start < sentence_end]
        if not after or any(f.mention.unit != total.mention.unit for f in after) or len(after) < 2:
            continue
        if re.search(r"(?<!\w)(?:trong do|gom|bao gom|cu the)(?!\w)", _between(doc, total.mention.end, after[0].mention.start)):
            continue  # an opened list: the reader's own
        last = after[-1]
        if not _OTHER.search(_between(doc, after[-2].mention.end, last.mention.start)):
            continue
        checks.append(_sum_check(doc, total, [(f"parts[{i}]", f) for i, f in enumerate(after)],
                                 "a list closed by its rest (… khác) is complete", refutes=False))
    return checks


def _sum_check(doc: Document, total: Figure, parts: list[tuple[str, Figure]], message: str, refutes: bool) -> Check:
    whole = figure_value(total)
    values: list[tuple[str, FigureValue]] = [(role, figure_value(f)) for role, f in parts]
    figs = [v for _, v in values]
    status: CheckStatus = compare_sum(figs, whole) or "skip"
    if not refutes and status != "pass":
        status = "skip"
    summed = sum((Decimal(v.value) for v in figs), Decimal(0))
    relation = "=" if status == "pass" else "vs" if status == "skip" else "≠"
    expr = " + ".join(map(shown, figs)) + f" = {shown_value(summed, figs)} {relation} {shown(whole)} {mark(status)}"
    return make_check(doc.content_hash, "parts_total", status, expr, [*values, ("value", whole)],
                      section_id=total.section_id, message=message)
