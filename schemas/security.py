"""Defence, security and foreign affairs: incidents with cases, deaths, injuries and changes."""
from __future__ import annotations

from typing import Annotated, ClassVar, Optional

from pydantic import BaseModel, Field

from .common import DIRECTION_HELP, Direction, Indicator, Ref, count_of

CaseCount = Annotated[Optional[str], count_of("vụ")]
PersonCount = Annotated[Optional[str], count_of("người")]


class Incidents(BaseModel):
    """One kind of incident: cases, people killed and injured, and their changes."""

    RECORD_TYPE: ClassVar[str] = "incidents"

    name: str = Field(description="Kind of incident, e.g. tai nạn giao thông, cháy, vi phạm.")
    cases: CaseCount
    deaths: PersonCount  # killed (chết)
    injuries: PersonCount  # injured (bị thương)
    cases_change: Ref  # Change in cases vs same period (vụ or %).
    deaths_change: Ref  # Change in deaths vs same period.
    injuries_change: Ref  # Change in injuries vs same period.
    change_direction: Optional[Direction] = Field(default=None, description=DIRECTION_HELP)


class Reply(BaseModel):
    incidents: list[Incidents] = Field(default_factory=list)
    indicators: list[Indicator] = Field(default_factory=list)
