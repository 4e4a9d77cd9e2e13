"""Defence, security and foreign affairs: incidents with cases, deaths, injuries and changes."""
from __future__ import annotations

from typing import Optional

from pydantic import BaseModel, Field

from .common import Indicator, Ref


class Incidents(BaseModel):
    """"xảy ra 18 vụ tai nạn giao thông, làm chết 03 người, bị thương 19 người; so với cùng kỳ giảm 40 vụ"."""

    name: str = Field(description="Kind of incident, e.g. tai nạn giao thông, cháy, vi phạm.")
    cases: Ref = Field(default=None, description="Number of cases (vụ).")
    deaths: Ref = Field(default=None, description="People killed (chết).")
    injuries: Ref = Field(default=None, description="People injured (bị thương).")
    cases_change: Ref = Field(default=None, description="Change in cases vs same period (vụ or %).")
    deaths_change: Ref = Field(default=None, description="Change in deaths vs same period.")
    injuries_change: Ref = Field(default=None, description="Change in injuries vs same period.")
    change_direction: Optional[str] = Field(default=None, description='"tăng" or "giảm" as printed.')


DESCRIPTION = "Incidents (cases, deaths, injuries, changes vs same period) and other security figures."


class Reply(BaseModel):
    incidents: list[Incidents] = Field(default_factory=list)
    indicators: list[Indicator] = Field(default_factory=list)
