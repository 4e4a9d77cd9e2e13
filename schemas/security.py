"""Defence, security and foreign affairs: incidents with cases, deaths, injuries and changes."""
from __future__ import annotations

from typing import Optional

from pydantic import BaseModel, Field

from .common import DistinctFigures, Indicator, Ref, count_of


class Incidents(DistinctFigures):
    """One kind of incident: cases, people killed and injured, and their changes."""

    name: str = Field(description="Kind of incident, e.g. tai nạn giao thông, cháy, vi phạm.")
    cases: count_of("vụ")
    deaths: count_of("người")  # killed (chết)
    injuries: count_of("người")  # injured (bị thương)
    cases_change: Ref  # Change in cases vs same period (vụ or %).
    deaths_change: Ref  # Change in deaths vs same period.
    injuries_change: Ref  # Change in injuries vs same period.
    change_direction: Optional[str] = Field(default=None, description='"tăng" or "giảm" as printed.')


class Reply(BaseModel):
    incidents: list[Incidents] = Field(default_factory=list)
    indicators: list[Indicator] = Field(default_factory=list)
