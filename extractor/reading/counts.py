"""Counts of one thing in one sentence, each told apart by its own words: the typed formulas of
tasks and dossiers.

    đã giao … 510 nhiệm vụ: đã hoàn thành 379 nhiệm vụ, trong đó 354 nhiệm vụ hoàn thành đúng
        thời hạn, 25 nhiệm vụ hoàn thành quá thời hạn; còn 131 nhiệm vụ chưa hoàn thành
    tiếp nhận 16.591 hồ sơ (kỳ trước chuyển sang 6.636, tiếp nhận mới 9.955), đã giải quyết
        13.552 hồ sơ (trước hạn 1.848, đúng hạn 11.703, quá hạn 01), đang giải quyết 3.039

A sentence whose figures count the formula's noun ("nhiệm vụ", "hồ sơ"; printed before or after
the number, with or without diacritics) is read into one record of the kind's schema
(schemas/direction.py `Tasks`, schemas/admin_reform.py `Dossiers`), so the schema's identities
(`SUMS`) are checked on it. Each count gets the field its own words name: the words since the
previous figure's clause ended, and its own words up to the next clause mark. A count no field
or two fields fit, a field two counts claim, and a count listed under another ("trong đó", "(",
":") whose field cannot be a part of that one's, are left to the model, never guessed; fewer than
two fields read, and nothing is read. A percentage right after a count ("(chiếm 13,64%)") is that
count's share, of the count it is listed under (or, when it is listed under none, of the whole
the schema's identities make it a part of).
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from decimal import Decimal

from ..checks.records import compare_percent, compare_sum, make_check, mark, shown, shown_value
from ..document.report import Document, Figure
from ..document.text import fold
from ..numbers.intervals import interval
from ..numbers.parse import format_vn_number
from ..output.figures import figure_value
from ..output.result import Check, FigureValue, Record
from .stream import Stream, evidence, name_before, own_words, sentence_end

_OPENS = re.compile(r"[(:]|\btrong\s+(?:do|so)\b|\bbao\s+gom\b|\bgom\b|\bcu\s+the\b")
# "(27,01%)", "(chiếm 27,01%)", ", chiếm tỷ lệ 27,01%"; not "đạt 96,2%", which may be a rate of
# something else (done on time among those done) as well as a share of the whole
_SHARE = re.compile(r"^\s*(?:\(|,?\s*\(?\s*chiem(?:\s+ty\s+le)?\s*:?)\s*$")


@dataclass(frozen=True)
class Formula:
    """One typed kind: the noun its figures count, and the words that name each field."""

    rtype: str
    nouns: tuple[str, ...]  # as the number parser names the unit
    fields: tuple[tuple[str, re.Pattern[str]], ...]
    dominates: dict[str, tuple[str, ...]]  # a field whose words also name these is the more specific
    sums: tuple[tuple[str, tuple[str, ...]], ...]  # the schema's identities (whole, parts)
    under: dict[str, tuple[str, ...]]  # fields listed under a whole that no identity sums

    def parts_of(self, whole: str) -> set[str]:
        """What can be listed under the whole: its parts, and theirs (on time under assigned)."""
        direct = {p for w, parts in self.sums if w == whole for p in parts} | set(self.under.get(whole, ()))
        return direct.union(*(self.parts_of(p) for p in direct))

    def whole_of(self, part: str) -> str | None:
        wholes = [w for w, parts in [*self.sums, *self.under.items()] if part in parts]
        return wholes[0] if len(set(wholes)) == 1 else None


def _words(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b")


_ON_TIME = r"(?:dung|trong)\s+(?:thoi\s+)?han|dung\s+tien\s+do"
_LATE = r"(?:qua|tre|cham)\s+(?:thoi\s+)?han|cham\s+tien\s+do|cham\s+tre"

TASKS = Formula(
    rtype="tasks",
    nouns=("nhiệm vụ",),
    fields=(("pending", _words(r"chua\s+(?:hoan\s+thanh|thuc\s+hien|xong)", r"dang\s+(?:thuc\s+hien|trien\s+khai)",
                               r"ton\s+dong")),
            ("completed_on_time", _words(_ON_TIME)),
            ("completed_late", _words(_LATE)),
            ("completed", _words(r"hoan\s+thanh", r"da\s+thuc\s+hien\s+xong")),
            ("assigned", _words(r"(?:duoc\s+)?giao", r"tong\s+so"))),
    dominates={"pending": ("completed_on_time", "completed_late", "completed", "assigned"),
               "completed_on_time": ("completed", "assigned"), "completed_late": ("completed", "assigned"),
               "completed": ("assigned",)},
    sums=(("completed", ("completed_on_time", "completed_late")), ("assigned", ("completed", "pending"))),
    under={},
)

DOSSIERS = Formula(
    rtype="dossiers",
    nouns=("hồ sơ",),
    fields=(("in_process", _words(r"dang\s+(?:giai\s+quyet|xu\s+ly|thu\s+ly)", r"chua\s+(?:giai\s+quyet|tra)")),
            ("carried_over", _words(r"chuyen\s+sang", r"ky\s+truoc", r"ton(?:\s+dong)?")),
            ("returned_by_post", _words(r"bcci", r"buu\s+chinh", r"buu\s+dien")),
            ("returned_early", _words(r"truoc\s+(?:thoi\s+)?han")),
            ("returned_on_time", _words(_ON_TIME)),
            ("returned_late", _words(_LATE)),
            ("online", _words(r"truc\s+tuyen", r"qua\s+mang", r"dich\s+vu\s+cong")),
            ("direct", _words(r"truc\s+tiep")),
            ("new", _words(r"tiep\s+nhan\s+moi", r"moi\s+tiep\s+nhan", r"phat\s+sinh\s+moi")),
            ("returned_total", _words(r"tra\s+ket\s+qua", r"(?:da\s+)?giai\s+quyet", r"da\s+xu\s+ly")),
            ("received_total", _words(r"tiep\s+nhan", r"xu\s+ly", r"tong\s+so"))),
    dominates={"in_process": ("returned_total", "received_total", "returned_late", "returned_on_time", "returned_early"),
               "carried_over": ("received_total", "new"),
               "returned_by_post": ("returned_total",),
               "returned_early": ("returned_total", "received_total"),
               "returned_on_time": ("returned_total", "received_total"),
               "returned_late": ("returned_total", "received_total"),
               "online": ("received_total", "new"), "direct": ("received_total", "new"),
               "new": ("received_total",), "returned_total": ("received_total",)},
    sums=(("received_total", ("carried_over", "new")),
          ("returned_total", ("returned_early", "returned_on_time", "returned_late")),
          ("received_total", ("returned_total", "in_process"))),
    under={"new": ("online", "direct"), "received_total": ("online", "direct"), "returned_total": ("returned_by_post",)},
)


@dataclass
class Counted:
    """A sentence read by a formula: field → figure, field → the whole its share is of."""

    formula: Formula
    figures: dict[str, Figure]
    under: dict[str, str]  # field → the field of the count it is listed under
    name: str | None
    period: str | None


def read_counts(stream: Stream, formula: Formula) -> list[Counted]:
    """Every sentence of the stream that the formula reads."""
    found = []
    start = 0
    for i in range(len(stream.figs)):
        if i + 1 == len(stream.figs) or sentence_end(stream.gap(i)):
            counted = _read_sentence(stream, formula, list(range(start, i + 1)))
            if counted is not None:
                found.append(counted)
            start = i + 1
    return found


def _counts(stream: Stream, i: int, nouns: tuple[str, ...], named: bool) -> Figure | None:
    """The figure at i as a count of the noun: "379 nhiệm vụ"; "379 nhiem vu" where OCR lost the
    diacritics; "hồ sơ tiếp nhận: 379"; and, once a count of the sentence `named` the noun, a
    bare whole number ("(đúng hạn 354, quá hạn 25)"). Else None."""
    fig = stream.figs[i]
    m = fig.mention
    if m.unit is not None:
        return fig if m.unit in nouns else None
    if m.kind not in ("count", "number") or m.decimals or m.scale or m.denominator or m.range_to or m.number < 0:
        return None
    after = stream.gap(i).lstrip()
    before = fold(stream.before(i))
    noun = next((n for n in nouns if after.startswith(fold(n)) or re.search(rf"\b{fold(n)}\b[^,;.()]*$", before)),
                nouns[0] if named else None)
    return None if noun is None else replace(fig, mention=replace(m, unit=noun, kind="count"))


def _field(formula: Formula, words: str) -> str | None:
    named = {f for f, pattern in formula.fields if pattern.search(words)}
    named -= {weaker for f in named for weaker in formula.dominates.get(f, ())}
    return named.pop() if len(named) == 1 else None


def _read_sentence(stream: Stream, formula: Formula, idx: list[int]) -> Counted | None:
    counts: list[tuple[int, Figure]] = []
    for i in idx:
        fig = _counts(stream, i, formula.nouns, named=bool(counts))
        if fig is not None:
            counts.append((i, fig))
    if len(counts) < 2:
        return None
    fields = {i: _field(formula, own_words(stream, i)) for i, _ in counts}
    parents = _parents(stream, [i for i, _ in counts])
    for i, _ in counts:  # a count listed under another must be able to be its part
        parent = parents.get(i)
        whole = fields.get(parent) if parent is not None else None
        if fields[i] and whole and fields[i] not in formula.parts_of(whole):
            fields[i] = None
    taken: dict[str, list[int]] = {}
    for i, f in fields.items():
        if f is not None:
            taken.setdefault(f, []).append(i)
    chosen = {f: at[0] for f, at in taken.items() if len(at) == 1}
    if len(chosen) < 2:
        return None
    figs = dict(counts)
    figures = {f: figs[i] for f, i in chosen.items()}
    under: dict[str, str] = {}
    for f, i in chosen.items():
        whole = fields[parents[i]] if parents.get(i) is not None else None
        if whole is not None and whole in chosen:
            under[f] = whole
    for f, i in chosen.items():
        share = _share_after(stream, i)
        if share is not None:
            figures[f"{f}_share_percent"] = share
    name, period = name_before(stream, min(chosen.values()))
    if name is not None and not any(fold(noun) in fold(name) for noun in formula.nouns):
        name = None  # "… UBND các xã, phường 510 nhiệm vụ": the words before name who, not what is counted
    return Counted(formula, figures, under, name, period)


def _share_after(stream: Stream, i: int) -> Figure | None:
    """"2.689 hồ sơ (chiếm 27,01%)", "25 nhiệm vụ (5%)": the count's share."""
    if i + 1 >= len(stream.figs) or stream.figs[i + 1].mention.unit != "%":
        return None
    rest = stream.gap(i).lstrip()
    noun = fold(stream.figs[i].mention.unit or "")
    if noun and rest.startswith(noun):
        rest = rest[len(noun):]
    return stream.figs[i + 1] if _SHARE.match(rest) else None


def _parents(stream: Stream, counts: list[int]) -> dict[int, int]:
    """Which count each count is listed under: after "trong đó", "gồm", "(" or ":" the next counts
    are the previous one's parts, until ")" or ";" closes that list."""
    parents: dict[int, int] = {}
    stack: list[int] = []
    for prev, cur in zip(counts, counts[1:]):
        between = fold(stream.words(stream.figs[prev].mention.end, stream.figs[cur].mention.start).text)
        while re.search(r"\([^()]*\)", between):
            between = re.sub(r"\([^()]*\)", " ", between)
        closes = between.count(")") + between.count(";")
        for _ in range(min(closes, len(stack))):
            stack.pop()
        if closes == 0 and _OPENS.search(between):
            stack.append(prev)
        if stack:
            parents[cur] = stack[-1]
    return parents


def counted_record(doc: Document, counted: Counted, section_id: str, kind: str, rid: str, source: str) -> Record:
    labels: dict[str, str] = {"source": source}
    if counted.period:
        labels["period"] = counted.period
    labels.update({f"{f}_of": whole for f, whole in counted.under.items()})
    return Record(id=rid, section_id=section_id, chunk_id=f"{section_id}#reader", kind=kind, type=counted.formula.rtype,
                  name=counted.name, figures={f: figure_value(fig) for f, fig in counted.figures.items()},
                  labels=labels, evidence=evidence(doc, list(counted.figures.values())))


def check_counted(rec: Record, h: str) -> Iterator[Check]:
    """Beyond the schema's identities (checks.records.check_records): each printed share against its count
    over the count it is listed under (or the whole an identity sums it into), and counts listed
    under one whole that no identity sums ("trong đó trực tiếp 2.689, trực tuyến 7.266") within
    it — equal to it when their shares make 100%."""
    formula = FORMULAS.get(rec.type)
    if formula is None or rec.labels.get("source") is None:
        return
    figs = {f: v for f, v in rec.figures.items() if v is not None}
    for role, share in figs.items():
        if not role.endswith(_SHARE_SUFFIX):
            continue
        part = role[:-len(_SHARE_SUFFIX)]
        whole = rec.labels.get(f"{part}_of") or formula.whole_of(part)
        if part in figs and whole in figs:
            yield from _share(rec, h, part, whole, share, figs)
    summed = {p for _, parts in formula.sums for p in parts}
    wholes = {w for f, w in rec.labels.items() if f.endswith("_of") and f[:-3] in figs and f[:-3] not in summed}
    for whole in sorted(w for w in wholes if w in figs):
        listed = [f for f in figs if rec.labels.get(f"{f}_of") == whole and f not in summed]
        if len(listed) < 2:
            continue
        parts = [figs[f] for f in listed]
        shares = [figs[f + _SHARE_SUFFIX] for f in listed if f + _SHARE_SUFFIX in figs]
        complete = len(shares) == len(listed) and \
            abs(sum((Decimal(x.value) for x in shares), start=Decimal(0)) - 100) <= \
            sum((Decimal(1).scaleb(-x.decimals) / 2 for x in shares), start=Decimal(0))
        status = compare_sum(parts, figs[whole], at_most=not complete)
        if status is None:
            continue
        total = sum((Decimal(p.value) for p in parts), Decimal(0))
        relation = ("=" if complete else "≤") if status == "pass" else ("≠" if complete else ">")
        expr = " + ".join(map(shown, parts)) + f" = {shown_value(total, parts)} {relation} {shown(figs[whole])} {mark(status)}"
        yield make_check(h, "parts_total", status, expr, [*zip(listed, parts), (whole, figs[whole])],
                         section_id=rec.section_id, record_id=rec.id,
                         message="listed as complete (their shares make 100%)" if complete else "listed as partial")


def _share(rec: Record, h: str, part: str, whole: str, share: FigureValue,
           figs: dict[str, FigureValue]) -> Iterator[Check]:
    p, w = interval(figs[part]), interval(figs[whole])
    status = compare_percent(p.ratio(w) if p and w else None, share)
    if status is None:
        return
    ratio = Decimal(figs[part].value) / Decimal(figs[whole].value) * 100
    expr = f"{shown(figs[part])} / {shown(figs[whole])} = {format_vn_number(ratio, share.decimals + 2)}% " \
           f"{'≈' if status != 'fail' else '≠'} {shown(share)} {mark(status)}"
    yield make_check(h, "share", status, expr, [(part, figs[part]), (whole, figs[whole]), (part + _SHARE_SUFFIX, share)],
                     section_id=rec.section_id, record_id=rec.id)


_SHARE_SUFFIX = "_share_percent"
FORMULAS = {f.rtype: f for f in (TASKS, DOSSIERS)}
