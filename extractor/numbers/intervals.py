"""What a printed figure can stand for, as an interval: the validator's tolerance.

A figure printed with d decimals stands for ± half a unit of its last digit (times its scale
word: "2.828,46 tỷ" is ± 0,005 tỷ); a count of people, cases, dossiers, tasks… printed whole
without a scale word ("379 nhiệm vụ") is exact. Qualifiers widen it: "hơn 2.530" is above 2.530, "gần 70%" below 70%; "khoảng" and
ranges are not precise enough to check a sum with, so they give no interval (`approximate`
reads "khoảng" at face value for a check that can only confirm).
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from .units import SCALES

INF = Decimal("Infinity")
_ABOVE = {"hơn", "trên", ">", "≥", "tối thiểu", "ít nhất"}
_BELOW = {"gần", "dưới", "<", "≤"}
_VAGUE = {"khoảng", "xấp xỉ"}


class PrintedFigure(Protocol):
    """What the precision of a printed figure depends on (the result's `FigureValue` is one)."""

    @property
    def value(self) -> str | Decimal: ...        # scale applied
    @property
    def decimals(self) -> int: ...
    @property
    def scale(self) -> str | None: ...
    @property
    def kind(self) -> str: ...
    @property
    def qualifier(self) -> str | None: ...
    @property
    def range_to(self) -> object: ...            # set for a range ("10-12"), which is too vague to check


@dataclass(frozen=True)
class Interval:
    lo: Decimal
    hi: Decimal

    @property
    def exact(self) -> bool:
        return self.lo == self.hi

    def __add__(self, other: "Interval") -> "Interval":
        return Interval(self.lo + other.lo, self.hi + other.hi)

    def __sub__(self, other: "Interval") -> "Interval":
        return Interval(self.lo - other.hi, self.hi - other.lo)

    def overlaps(self, other: "Interval") -> bool:
        return self.lo <= other.hi and other.lo <= self.hi

    def ratio(self, whole: "Interval") -> "Interval | None":
        """self / whole × 100, for non-negative figures; None if the whole may be zero."""
        if whole.lo <= 0 or self.lo < 0:
            return None
        return Interval(self.lo / whole.hi * 100, self.hi / whole.lo * 100)


def unit_of_last_digit(fig: PrintedFigure) -> Decimal:
    scale = SCALES[fig.scale][1] if fig.scale in SCALES else 0
    return Decimal(1).scaleb(scale - fig.decimals)


def interval(fig: PrintedFigure) -> Interval | None:
    """The values the printed figure may stand for; None when it is too vague to check."""
    if fig.range_to is not None or fig.qualifier in _VAGUE:
        return None
    value = Decimal(fig.value)
    exact = fig.kind in ("count", "fraction") and fig.decimals == 0 and fig.scale is None
    half = Decimal(0) if exact else unit_of_last_digit(fig) / 2
    lo, hi = value - half, value + half
    if fig.qualifier in _ABOVE:
        return Interval(value, INF)
    if fig.qualifier in _BELOW:
        return Interval(Decimal(0) if value >= 0 else -INF, value)
    return Interval(lo, hi)


def approximate(fig: PrintedFigure) -> Interval | None:
    """"khoảng 3.987 ha" at face value (its printed precision): what an approximate figure may
    confirm, never refute. None for a figure that is not approximate."""
    if fig.qualifier not in _VAGUE or fig.range_to is not None:
        return None
    half = unit_of_last_digit(fig) / 2
    return Interval(Decimal(fig.value) - half, Decimal(fig.value) + half)


def stated_percent(fig: PrintedFigure) -> tuple[Interval, Interval] | None:
    """A printed percentage as (rounded reading, truncated reading): 98,8% is [98,75; 98,85]
    if rounded, [98,8; 98,9) if the writer cut digits off instead."""
    base = interval(fig)
    if base is None or fig.qualifier:
        return None
    value = Decimal(fig.value)
    step = unit_of_last_digit(fig)
    return base, Interval(value, value + step) if value >= 0 else Interval(value - step, value)
