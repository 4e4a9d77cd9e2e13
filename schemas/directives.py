"""Key tasks for next month and conclusion-notice directives: who must do what, by when."""
from __future__ import annotations

from typing import Optional

from pydantic import BaseModel, Field

DESCRIPTION = "A directive: the bodies responsible and the deadline, as printed."
# The model reads the whole directive (it labels text, not figures), so it gets it in one piece.
READS = "text"


class Reply(BaseModel):
    responsible: list[str] = Field(
        default_factory=list, description="Bodies or officials told to act, copied from the text (e.g. Sở Tài chính, UBND các xã).")
    deadline: Optional[str] = Field(
        default=None, description='Deadline copied exactly as printed (a date such as dd/mm/yyyy), null if none.')
