"""Figures a later clause of the same sentence refers back to.

- Changes listed after the figures they change: "xảy ra 18 vụ tai nạn giao thông, làm chết 03
  người, bị thương 19 người; so với cùng kỳ giảm 40 vụ (-69%), giảm 09 người chết (-75%), giảm 27
  người bị thương (-57,7%)". Each "tăng / giảm N <noun> [words] (p%)" after a "so với …" belongs
  to the one figure of the clause before that counts the same noun and whose words hold its
  words ("chết", "bị thương"); it becomes that figure's change_amount and change_percent, so the
  change check (checks.py) runs on it. No such figure, or two: nothing is attached.
- A fraction printed as two counts: "đã giải quyết 20 đơn/37 đơn, đạt tỷ lệ 54,1%".
- A rate of what was done among what occurred: "xảy ra 84 vụ …; đã điều tra làm rõ 70 vụ 211 đối
  tượng, tỷ lệ phá án đạt 83,3%". The rate closes a clause whose first count was done ("làm
  rõ", "giải quyết", "xử lý", "hoàn thành" …) and the sentence counted that noun once before (not
  as a change): the rate is that count over the earlier one.
"""
from __future__ import annotations

import re
from decimal import Decimal

from ..checks.records import compare_percent, make_check, mark, shown
from ..document.report import Document, Figure
from ..document.text import fold
from ..numbers.intervals import interval
from ..numbers.parse import format_vn_number, parse_vn_number
from ..output.figures import figure_value
from ..output.result import Check
from .stream import Reading, Stream, own_words, section_stream, sentence_end

_CHANGE_VERB = re.compile(r"\b(tang|giam)(?:\s+them)?\s*$")
_AGAINST = re.compile(r"\bso\s+voi\s+(cung\s+ky|thang\s+truoc|ky\s+truoc|nam\s+truoc)")
_DONE = re.compile(r"\b(?:lam\s+ro|giai\s+quyet|xu\s+ly|hoan\s+thanh|pha\s+an|khac\s+phuc|thu\s+hoi)\b")
_RATE = re.compile(r"\bty\s+le\b[^,;.]*\b(?:dat|la)\s*$")
_RATIO = re.compile(r"\s*,?\s*(?:dat|bang|chiem|la)?(?:\s+ty\s+le)?\s*:?\s*")


def _sentence_start(stream: Stream, i: int) -> int:
    """Index of the first figure of the sentence figure i is in."""
    while i > 0 and not sentence_end(stream.gap(i - 1)):
        i -= 1
    return i


def _clause_start(stream: Stream, i: int, floor: int) -> int:
    """Index of the first figure after the last ";" before figure i (within the sentence)."""
    while i > floor and ";" not in stream.gap(i - 1):
        i -= 1
    return i


def attach_changes_back(stream: Stream, readings: list[Reading]) -> list[Reading]:
    """Readings with the changes listed after their figures attached; the readings of those
    change amounts are dropped."""
    by_start = {r.head.mention.start: r for r in readings}
    dropped: set[int] = set()
    for i, fig in enumerate(stream.figs):
        amount = by_start.get(fig.mention.start)
        if amount is None or amount.comparisons or amount.parts or fig.mention.unit in (None, "%"):
            continue
        before = fold(stream.before(i))
        verb = _CHANGE_VERB.search(before)
        if verb is None or i + 1 >= len(stream.figs) or stream.figs[i + 1].mention.unit != "%":
            continue
        after = stream.gap(i)
        words = re.fullmatch(r"\s*([^,;()]*?)\s*\(\s*\+?\s*", after)
        first = _sentence_start(stream, i)
        lead = _clause_start(stream, i, first)
        opening = fold(stream.before(lead))
        against = _AGAINST.search(opening)
        if words is None or against is None or lead == first:
            continue
        own = [w for w in words.group(1).split() if w not in fold(fig.mention.unit).split()]
        target = _one_target(stream, readings, fig, own, _clause_start(stream, lead - 1, first), lead)
        if target is None or target.comparisons:
            continue
        target.comparisons.update(change_amount=fig, change_percent=stream.figs[i + 1])
        target.labels["change_basis"] = "same_period" if against.group(1).startswith("cung") else "other"
        target.labels["change_direction"] = "decrease" if verb.group(1) == "giam" else "increase"
        dropped.add(fig.mention.start)
    return [r for r in readings if r.head.mention.start not in dropped]


def _one_target(stream: Stream, readings: list[Reading], fig: Figure, own: list[str], lo: int, hi: int) -> Reading | None:
    by_start = {r.head.mention.start: r for r in readings}
    found = []
    for k in range(lo, hi):
        cand = stream.figs[k]
        if cand.mention.unit != fig.mention.unit or cand.mention.start not in by_start:
            continue
        if all(re.search(rf"\b{re.escape(w)}\b", own_words(stream, k)) for w in own):
            found.append(by_start[cand.mention.start])
    return found[0] if len(found) == 1 else None


def check_rates(doc: Document, section_id: str) -> list[Check]:
    """Each "tỷ lệ … đạt p%" of what was done among what the sentence said occurred."""
    stream = section_stream(doc, section_id)
    if stream is None:
        return []
    checks = _split_fractions(stream, section_id)
    for i, rate in enumerate(stream.figs):
        if rate.mention.unit != "%" or not _RATE.search(fold(stream.before(i))):
            continue
        first = _sentence_start(stream, i)
        lead = _clause_start(stream, i, first)
        counts = [k for k in range(lead, i) if stream.figs[k].mention.kind == "count" and stream.figs[k].mention.unit]
        if not counts or not _DONE.search(fold(stream.before(counts[0]))):
            continue
        done = stream.figs[counts[0]]
        earlier = [k for k in range(first, lead) if stream.figs[k].mention.unit == done.mention.unit
                   and not _CHANGE_VERB.search(fold(stream.before(k)))]
        if len(earlier) != 1:
            continue
        checks.extend(_rate_check(doc, section_id, done, stream.figs[earlier[0]], rate, "share",
                                  ("done", "occurred", "rate"), "a rate of what was done among what the sentence says occurred"))
    return checks


def _split_fractions(stream: Stream, section_id: str) -> list[Check]:
    """"là 37 đơn khiếu nại …; đã giải quyết 20 đơn/37 đơn, đạt tỷ lệ 54,1%": a fraction printed as two
    counts of one noun, whose whole the sentence stated before (the same count of the same noun)."""
    checks = []
    for i in range(len(stream.figs) - 1):
        part, rate = stream.figs[i], stream.figs[i + 1]
        if part.mention.unit in (None, "%") or rate.mention.unit != "%":
            continue
        m = re.fullmatch(rf"\s*/\s*([\d.]+)\s+{re.escape(fold(part.mention.unit))}(?P<ratio>.*)", stream.gap(i))
        if m is None or not _RATIO.fullmatch(m.group("ratio")):
            continue
        whole = [f for f in stream.figs[_sentence_start(stream, i):i] if f.mention.unit == part.mention.unit
                 and f.mention.number == parse_vn_number(m.group(1))]
        if len(whole) == 1:
            checks.extend(_rate_check(stream.doc, section_id, part, whole[0], rate, "fraction",
                                      ("fraction", "of", "percent"), "a fraction printed as two counts"))
    return checks


def _rate_check(doc: Document, section_id: str, done: Figure, occurred: Figure, rate: Figure, rule: str,
                roles: tuple[str, str, str], message: str) -> list[Check]:
    part, whole, share = figure_value(done), figure_value(occurred), figure_value(rate)
    p, w = interval(part), interval(whole)
    if p is None or w is None or p.lo > w.hi:
        return []
    status = compare_percent(p.ratio(w), share)
    if status is None:
        return []
    ratio = Decimal(part.value) / Decimal(whole.value) * 100
    expr = f"{shown(part)} / {shown(whole)} = {format_vn_number(ratio, share.decimals + 2)}% " \
           f"{'≈' if status != 'fail' else '≠'} {shown(share)} {mark(status)}"
    return [make_check(doc.content_hash, rule, status, expr, list(zip(roles, (part, whole, share))),
                       section_id=section_id, message=message)]
