"""`extractor plan REPORT`: which pieces the model would be asked about, and why the reader does not
settle them (extractor/extraction/settling.py). No model is started or asked."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Optional

import typer
from rich.console import Console

from ..document.report import load_document
from ..errors import ExtractorError
from ..extraction.engine import Extractor
from ..extraction.settling import why_asked
from ..reading.reader import read_section


def plan(file: Path = typer.Argument(..., help="Report file: .txt, .docx or .pdf with a text layer."),
         sections_opt: Optional[str] = typer.Option(None, "--sections", help="Comma-separated section ids (an id includes its children)."),
         as_json: bool = typer.Option(False, "--json", help="Print JSON instead of text.")) -> None:
    """List the pieces `extract` would send to the model, each with why the deterministic reader
    does not settle it (a figure no reader record holds, a value it cannot name, a label it does
    not read …); the pieces it settles are counted."""
    doc = load_document(file)
    wanted = [s.strip() for s in sections_opt.split(",") if s.strip()] if sections_opt else None
    unknown = [w for w in wanted or [] if not any(s.id == w or s.id.startswith(w + ".") for s in doc.sections)]
    if unknown:
        raise ExtractorError(f"{file}: no section {', '.join(map(repr, unknown))}; its sections are "
                             f"{', '.join(s.id for s in doc.sections if s.parent is None)} and those under them")
    rows: list[dict[str, Any]] = []
    for job in Extractor(None, model="-", mode="json").plan(doc, wanted):
        read = read_section(doc, job.section.id)
        rows.append({"section": job.section.id, "kind": job.kind, "settled": [c.id for c in job.settled],
                     "asked": [{"piece": c.id, "why": why_asked(doc, job.kind, c.figures, read, c.span)} for c in job.chunks]})
    asked = sum(len(r["asked"]) for r in rows)
    settled = sum(len(r["settled"]) for r in rows)
    if as_json:
        sys.stdout.write(json.dumps({"sections": rows, "asked": asked, "settled": settled},
                                    ensure_ascii=False, indent=2) + "\n")
        return
    out = Console(highlight=False, soft_wrap=True)
    for row in rows:
        out.print(f"{row['section']} [{row['kind']}]: {len(row['asked'])} asked, {len(row['settled'])} settled by the reader",
                  markup=False)
        for piece in row["asked"]:
            out.print(f"  {piece['piece']}: " + "; ".join(piece["why"]), markup=False)
    out.print(f"{asked} piece{'' if asked == 1 else 's'} asked, {settled} settled by the reader", markup=False)
