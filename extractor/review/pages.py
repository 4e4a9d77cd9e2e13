"""What the review pages and the exported report have in common: the template environment (in
the chosen language) and a report's text with every figure of its extracted sections marked.

The server (`web.py`) and `export-html` (`htmlexport.py`) both render through here, so the
exported file is the document page itself, with links to the server replaced by anchors."""
from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import jinja2

from ..document.report import Document
from ..document.sections import Section
from ..output.figures import named_figures, referenced_starts
from ..output.result import Check, Result
from .labels import LANGUAGES, translator
from .reflow import Mark, section_block

RANK = {"fail": 3, "warn": 2, "pass": 1, "skip": 0}
OUTLINE_TITLE = 60


def environment(lang: str) -> jinja2.Environment:
    """The templates with autoescape on (report text is always shown as text), `t` speaking
    `lang`, and `shorten` cutting a title at a word boundary."""
    if lang not in LANGUAGES:
        raise ValueError(lang)
    env = jinja2.Environment(loader=jinja2.PackageLoader("extractor", "review/templates"),
                             autoescape=jinja2.select_autoescape(default=True), trim_blocks=True, lstrip_blocks=True)
    env.globals.update(t=translator(lang), lang=lang)
    env.filters["shorten"] = lambda text, width=OUTLINE_TITLE: textwrap.shorten(text, width, placeholder=" …")
    return env


@dataclass(frozen=True)
class Flag:
    """A flagged check and where a reader goes to see it (its review item, or an anchor)."""

    check: Check
    href: str


def worst_flags(flagged: Iterable[tuple[Check, str]]) -> dict[int, Flag]:
    """Each figure's flag: of the checks (with where to see each) that use it, the worst; the
    first of equals."""
    flags: dict[int, Flag] = {}
    for check, href in flagged:
        for f in check.figures:
            known = flags.get(f.start)
            if known is None or RANK[check.status] > RANK[known.check.status]:
                flags[f.start] = Flag(check, href)
    return flags


def document_marks(doc: Document, result: Result | None, flags: dict[int, Flag],
                   t: Callable[..., str]) -> list[Mark]:
    """Every figure of an extracted section, coloured by its worst check (the numbers of its
    checks in `group`); figures no record took are marked as missed; a figure in `flags` (by
    offset) links to its flag."""
    if result is None:
        return []
    extracted = {s.id for s in result.sections}
    used = referenced_starts(result.records)
    read_as: dict[int, str] = {}
    for rec in result.records:
        for name, value in named_figures(rec):
            read_as.setdefault(value.start, f"{rec.type} {rec.name or ''} · {name}".strip())
    checks_at: dict[int, list[int]] = {}
    for number, check in enumerate(result.checks):
        for f in check.figures:
            checks_at.setdefault(f.start, []).append(number)
    marks = marker_marks(doc, t)
    for fig in doc.figures:
        m = fig.mention
        if fig.section_id not in extracted:
            continue
        numbers = checks_at.get(m.start, [])
        checks = [result.checks[n] for n in numbers]
        worst = max(checks, key=lambda c: RANK[c.status], default=None)
        css = f"fig-{worst.status}" if worst else "fig-read" if m.start in used else "fig-missed"
        title = "\n".join([read_as.get(m.start, t("no_record_took")), *(f"{c.rule}: {c.expression}" for c in checks)])
        flag = flags.get(m.start)
        marks.append(Mark(m.start, m.end, css, title, flag.href if flag else None,
                          group=" ".join(f"c{n}" for n in numbers)))
    return marks


def marker_marks(doc: Document, t: Callable[..., str]) -> list[Mark]:
    """Footnote markers, shown raised: "khá3." reads as "khá" with note 3, not a number."""
    return [Mark(start, end, "fn-ref", t("footnote_marker")) for start, end in doc.layout.marker_spans()]


def mark_counts(marks: list[Mark]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for m in marks:
        if m.css.startswith("fig-"):
            counts[m.css[4:]] = counts.get(m.css[4:], 0) + 1
    return counts


def document_context(doc: Document, result: Result | None, flags: dict[int, Flag],
                     t: Callable[..., str]) -> dict[str, Any]:
    """What document.html needs: every section's text as paragraphs with its figures marked,
    the outline, and the legend's counts."""
    marks = document_marks(doc, result, flags, t)
    return {"doc": doc, "blocks": [section_block(doc, sec, marks) for sec in doc.sections],
            "extracted": {s.id for s in result.sections} if result else set(),
            "sections": {sec.id: sec for sec in doc.sections}, "top": top_sections(doc.sections),
            "counts": mark_counts(marks)}


def top_sections(sections: list[Section]) -> list[str]:
    return [s.id for s in sections if s.parent is None]

