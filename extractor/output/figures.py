"""A record's figures: a figure of the document as the result carries it (`figure_value`), and
walks over a record and its parts (every figure with its field name, the main one)."""
from __future__ import annotations

from ..document.report import Figure
from ..numbers.parse import decimal_str
from .result import FigureValue, Record


def figure_value(fig: Figure) -> FigureValue:
    """Our parser's reading of a figure, at its offsets (the model only pointed at it)."""
    m = fig.mention
    return FigureValue(text=m.text, value=decimal_str(m.value), number=decimal_str(m.number), decimals=m.decimals,
                       scale=m.scale, unit=m.unit, kind=m.kind, qualifier=m.qualifier,
                       range_to=decimal_str(m.range_to), denominator=decimal_str(m.denominator),
                       start=m.start, end=m.end, footnote=fig.footnote)


def named_figures(rec: Record, prefix: str = "") -> list[tuple[str, FigureValue]]:
    """Every figure of the record and its parts, named as checks name them ("parts[2].value")."""
    named = [(prefix + name, f) for name, f in rec.figures.items() if f is not None]
    for i, part in enumerate(rec.parts):
        named += named_figures(part, f"{prefix}parts[{i}].")
    return named


def all_figures(rec: Record) -> list[FigureValue]:
    return [f for _, f in named_figures(rec)]


def main_figure(rec: Record) -> tuple[str, FigureValue] | None:
    """The figure a record is about (its value or total), with its field name."""
    for name in ("value", "total"):
        fig = rec.figures.get(name)
        if fig is not None:
            return name, fig
    return None


def referenced_starts(records: list[Record]) -> set[int]:
    return {f.start for r in records for f in all_figures(r)}
