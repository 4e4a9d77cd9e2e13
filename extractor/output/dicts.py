"""Plain-data views of a document for JSON output (Decimals as strings, exact offsets)."""
from __future__ import annotations

import re
from dataclasses import asdict
from typing import Any

from ..document.layout import Footnote
from ..document.report import Document, Figure
from ..document.sections import Section
from .figures import figure_value
from .result import Result


def footnote_dict(fn: Footnote) -> dict[str, Any]:
    return {
        "marker": str(fn.number),
        "marker_start": fn.marker[0] if fn.marker else None,
        "marker_end": fn.marker[1] if fn.marker else None,
        "text": fn.text,
        "start": fn.start,
        "end": fn.end,
        "spans": [list(s) for s in fn.spans],
        "section_id": fn.section_id,
    }


def section_dict(doc: Document, sec: Section) -> dict[str, Any]:
    notes = {fn.number: fn for fn in doc.footnotes}
    return {
        "id": sec.id,
        "title": sec.title,
        "level": sec.level,
        "numbering": sec.numbering,
        "parent": sec.parent,
        "heading_start": sec.heading_start,
        "start": sec.start,
        "end": sec.end,
        "own_end": sec.own_end,
        "children": list(sec.children),
        "footnotes": [footnote_dict(notes[n]) for n in sec.footnotes],
    }


def figure_dict(fig: Figure) -> dict[str, Any]:
    """A figure of the inventory (`extractor numbers --json`): its reading, with its section."""
    data = figure_value(fig).model_dump(exclude={"footnote", "review", "corrected_value"})
    return {**data, "section_id": fig.section_id, "footnote": fig.footnote}


def metadata_dict(doc: Document) -> dict[str, Any]:
    data = asdict(doc.metadata)
    data["content_hash"] = doc.content_hash
    if doc.source is not None:
        data["source"] = {"path": str(doc.source.path), "format": doc.source.format,
                          "encoding": doc.source.encoding}
    return data


_PROVINCE = re.compile(r"\b(?:TỈNH|THÀNH PHỐ)\s+(.+)$", re.IGNORECASE)


def document_fields(result: Result) -> dict[str, Any]:
    """What places a result among others: period ("2026-01", "2026-01..06" for six months, or "2026"), province (from the issuer), issuer,
    document number, type and date, read from its metadata."""
    meta = result.metadata or {}
    period = meta.get("period") or {}
    year, month = period.get("year"), period.get("month")
    issuer = meta.get("issuer")
    found = _PROVINCE.search(" ".join(issuer.split())) if issuer else None
    province = found.group(1).title() if found else None  # the place of signing may be another town
    cumulative = period.get("cumulative_months")
    label = (f"{year}-{month:02d}" if year and month else f"{year}-01..{cumulative:02d}" if year and cumulative
             else str(year) if year else None)  # "6 tháng đầu năm 2026" → 2026-01..06
    return {"period": label,
            "year": year, "month": month, "cumulative_months": period.get("cumulative_months"),
            "province": province, "issuer": issuer, "number": meta.get("number"), "doc_type": meta.get("doc_type"),
            "date": meta.get("date"), "title": meta.get("title")}
