"""Security incidents: "xảy ra 36 vụ tai nạn giao thông (tăng 20 vụ so với cùng kỳ, tăng 125%), làm
chết 05 người (giảm 05 người, giảm 50%), bị thương 35 người (tăng 26 người, tăng 288,9%)", or with
the changes listed after the counts ("…, làm chết 03 người, bị thương 19 người; so với cùng kỳ giảm
40 vụ (-69%), giảm 09 người chết (-75%), giảm 27 người bị thương (-57,7%)").

A count of "vụ" opens one record of the `incidents` type (schemas/security.py) when its kind of
incident is named: by the words after "vụ" to the clause end ("phạm pháp hình sự", "vi phạm pháp
luật về môi trường, tài nguyên, …"), or, when none follow, by the words before the number if they
hold an incident noun ("tai nạn giao thông xảy ra 36 vụ"). The figures after it in the same
sentence, up to the first that is not its own, are its fields: a "người" count its words say is
killed ("chết", "tử vong") or injured ("bị thương"), and a change ("tăng / giảm N vụ / người",
"tăng / giảm x%", "(-69%)") of the count of its unit read last (or of the one its own words name:
"giảm 09 người chết").

Each `*_change` field of the schema takes the absolute change (in the count's own unit: the
record's identities — base = count − change — are in it); the percentage is held beside it as
`*_change_percent`, so the piece settles and the change check ("36 tăng 20: base 16, 125%") runs
on both. A change against another period ("tăng 32 vụ so với tháng trước") is no `*_change`.

A count that opens a list of its parts ("xảy ra 27 vụ về tệ nạn xã hội, trong đó, … bắt 26 vụ") is
left to the indicator grammar, which reads it with its parts (an incident has none).

Only when sure: the reading of an incident stops at the first figure it cannot place — a "người"
count that is both or neither deaths and injuries ("51 đối tượng", "bắt 05 người"), a second
change of one field, a change against another period, a figure of another unit — and that figure
is left to the indicator grammar, which keeps the piece asked. Counts of suspects ("137 đối
tượng", "57 bị can") are no field of an incident: they stay indicators (and keep the piece asked
when they name nothing).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..document.report import Document, Figure
from ..document.text import fold
from ..output.figures import figure_value
from ..output.result import Record
from .stream import Stream, evidence, own_words, scan, sentence_end

RTYPE = "incidents"
_CASES = "vụ"
_PEOPLE = "người"
COUNTS = ("cases", "deaths", "injuries")
_DEATHS = re.compile(r"\b(?:chet|tu\s+vong|thiet\s+mang)\b")
_INJURIES = re.compile(r"\bbi\s+thuong\b")
_CHANGE = re.compile(r"(?:^|[\s,;(])(tang|giam)(?:\s+them)?\s*$")
_OPENS_LIST = re.compile(r"^[^;.]*\b(?:trong\s+(?:do|so)|bao\s+gom|gom|cu\s+the)\b")
_OTHER_PERIOD = re.compile(r"\bso\s+voi\s+(?:thang|ky|nam|quy)\b")  # "tăng 32 vụ so với tháng trước"
_SIGNED = re.compile(r"^[^,;.()]*\(\s*$")  # "giảm 40 vụ (-69%)": the percentage right after the amount, in brackets
# the words that end an incident's name at a comma: the clause after it says something of the count
_NAME_END = re.compile(r",\s*(?=(?:lam|tang|giam|bi|chet|tu\s+vong|trong\s+do|da|thiet\s+hai|so\s+voi|xay\s+ra|"
                       r"phat\s+hien|bat|khoi\s+to|xu\s+ly|dieu\s+tra)\b)")
# the head nouns of a kind of incident, for a name printed before the count
_KIND_NOUN = re.compile(r"\b(?:tai\s+nan|chay|no|vi\s+pham|toi\s+pham|pham\s+phap|pham\s+toi|te\s+nan|ma\s+tuy|"
                        r"buon\s+lau|gian\s+lan|duoi\s+nuoc|ngo\s+doc|sat\s+lo|thien\s+tai)\b")
_LEAD_VERBS = re.compile(r"^(?:(?:trong\s+thang|toan\s+tinh|da|xay\s+ra|co|ve)\b\s*,?\s*)+")
_TRAIL_VERBS = re.compile(r"(?:\s*\b(?:da\s+)?(?:xay\s+ra|co|la|gom|dat|trong\s+(?:thang|ky|nam))\b)+\s*$")


@dataclass
class Incident:
    name: str
    figures: dict[str, Figure] = field(default_factory=dict)
    directions: dict[str, str] = field(default_factory=dict)  # count field → "increase" / "decrease"


def read_incidents(stream: Stream) -> list[Incident]:
    return scan(stream, _read_incident)


def _count(stream: Stream, i: int, unit: str) -> bool:
    m = stream.figs[i].mention
    return stream.free(i) and m.unit == unit and m.kind == "count" and not m.decimals and m.number >= 0


def _name(stream: Stream, i: int) -> str | None:
    """The kind of incident a count of "vụ" counts: the words after "vụ", or an incident noun before it."""
    fig = stream.figs[i].mention
    end = stream.figs[i + 1].mention.start if i + 1 < len(stream.figs) else stream.segments[-1][1]
    after = stream.words(fig.end, end).text
    folded = fold(after)
    if i + 1 < len(stream.figs) and not re.search(r"[,;.()]", folded):
        cut = len(folded)  # "bắt 01 vụ 05 đối tượng": the words before the next figure name nothing
        folded = ""
    else:
        cut = min([m.start() for m in (re.search(r"[;(]|\.(?:\s|$)", folded), _NAME_END.search(folded)) if m]
                  + [len(folded)])
    name = " ".join(after[:cut].split()).strip(" ,:")
    name = re.sub(r"^(?:về|ve)\s+", "", name)
    if re.match(r"[^\W\d_]", name) and not re.match(r"(?:tang|giam|so\s+voi|lam|bi|chet|tu\s+vong)\b", fold(name)):
        return name
    # "tai nạn giao thông xảy ra 20 vụ", "Tai nạn giao thông: xảy ra 20 vụ": the clause before, its verbs left out
    clause = re.split(r"[,;.()]", stream.before(i))[-1]
    label, _, lead = clause.rpartition(":")
    for words in (lead, label):
        rest = _TRAIL_VERBS.sub("", _LEAD_VERBS.sub("", fold(words).strip()))
        if rest and _KIND_NOUN.match(rest):
            printed = " ".join(words.split())
            start = len(fold(printed)) - len(_LEAD_VERBS.sub("", fold(printed)))
            return printed[start:start + len(rest)]  # folding keeps the length: the printed words
        if rest:
            return None
    return None


def _people(stream: Stream, i: int) -> str | None:
    """deaths or injuries, when the figure's own words say which (and not both)."""
    words = own_words(stream, i)
    said = {f for f, p in (("deaths", _DEATHS), ("injuries", _INJURIES)) if p.search(words)}
    return said.pop() if len(said) == 1 else None


def _read_incident(stream: Stream, i: int) -> tuple[Incident | None, int]:
    if not _count(stream, i, _CASES):
        return None, i + 1
    name = _name(stream, i)
    if name is None or _OPENS_LIST.match(stream.gap(i)):
        return None, i + 1  # a count that lists its parts is a total the indicator grammar reads with them
    incident = Incident(name=name, figures={"cases": stream.figs[i]})
    last = {_CASES: "cases"}  # unit → the count field read last: what a change in that unit changes
    changed = "cases"  # the field whose change amount was read last: what a bare percentage changes
    j = i + 1
    while j < len(stream.figs) and stream.free(j):
        gap = stream.gap(j - 1)
        if sentence_end(gap):
            break
        fig = stream.figs[j]
        m = fig.mention
        verb = _CHANGE.search(gap)
        if ";" in gap and verb is None:
            break
        if verb is not None or (m.unit == "%" and _SIGNED.match(gap) and f"{changed}_change" in incident.figures):
            if _OTHER_PERIOD.search(gap) or _against_other(stream, j):
                break
            target = _change_of(stream, j, last, changed)
            if target is None:
                break
            key = f"{target}_change" + ("_percent" if m.unit == "%" else "")
            if key in incident.figures or target not in incident.figures:
                break
            direction = "decrease" if (verb and verb.group(1) == "giam") or m.number < 0 else "increase"
            if incident.directions.setdefault(target, direction) != direction and m.number >= 0:
                break
            incident.figures[key] = fig
            changed = target
        elif _count(stream, j, _PEOPLE):
            target = _people(stream, j)
            if target is None or target in incident.figures:
                break
            incident.figures[target] = fig
            last[_PEOPLE] = target
        else:
            break
        j += 1
    return incident, j


def _against_other(stream: Stream, j: int) -> bool:
    """Is the change at j said, by the words to its clause's end, to be against another period
    ("tăng 05 vụ, tăng 20% so với tháng trước")?"""
    for k in range(j, len(stream.figs)):
        gap = stream.gap(k)
        end = re.search(r"[);]|\.(?:\s|$)", gap)
        if _OTHER_PERIOD.search(gap[:end.start()] if end else gap):
            return True
        if end is not None:
            return False
    return False


def _change_of(stream: Stream, j: int, last: dict[str, str], changed: str) -> str | None:
    """The count field a change at j changes: of its unit's count read last, or the one its words
    name ("giảm 09 người chết"); a percentage, that of the change amount before it."""
    m = stream.figs[j].mention
    if m.unit == "%":
        return changed
    if m.unit == _CASES:
        return "cases"
    if m.unit == _PEOPLE:
        return _people(stream, j) or last.get(_PEOPLE)
    return None


def incident_record(doc: Document, incident: Incident, section_id: str, kind: str, rid: str, source: str) -> Record:
    labels = {"source": source}
    labels.update({f"{f}_change_direction": d for f, d in incident.directions.items()})
    if len(set(incident.directions.values())) == 1:
        labels["change_direction"] = next(iter(incident.directions.values()))
    figures = {f: figure_value(fig) for f, fig in incident.figures.items()}
    return Record(id=rid, section_id=section_id, chunk_id=f"{section_id}#reader", kind=kind, type=RTYPE,
                  name=incident.name, figures=figures, labels=labels,
                  evidence=evidence(doc, list(incident.figures.values())))


def change_views(rec: Record) -> list[Record]:
    """Each count of an incident record with its changes, as the reader's change checks read an
    indicator (value, change_amount, change_percent, change_direction)."""
    if rec.type != RTYPE:
        return []
    views = []
    for f in COUNTS:
        value = rec.figures.get(f)
        changes = {"change_amount": rec.figures.get(f"{f}_change"),
                   "change_percent": rec.figures.get(f"{f}_change_percent")}
        if value is None or not any(changes.values()):
            continue
        labels = {"source": rec.labels.get("source", "")}
        if direction := rec.labels.get(f"{f}_change_direction"):
            labels["change_direction"] = direction
        views.append(rec.model_copy(update={
            "figures": {"value": value, **{k: v for k, v in changes.items() if v is not None}}, "labels": labels}))
    return views
