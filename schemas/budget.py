"""State budget: revenue and expenditure, each with its parts and plan shares."""
from __future__ import annotations

from typing import Literal, Optional

from pydantic import BaseModel, Field

from .common import Indicator


class BudgetLine(Indicator):
    flow: Optional[Literal["revenue", "expenditure"]] = Field(
        default=None, description='"thu" → revenue, "chi" → expenditure.')


class Reply(BaseModel):
    indicators: list[BudgetLine] = Field(default_factory=list)
