"""Key tasks for next month and conclusion-notice directives: who must do what, by when."""
from __future__ import annotations

from typing import ClassVar, Optional

from pydantic import BaseModel, Field

from .common import CopiedText

# The model reads the whole directive (it labels text, not figures), so it gets it in one piece.
READS = "text"


class Reply(BaseModel):
    RECORD_TYPE: ClassVar[str] = "directive"  # a reply of plain fields: one record about its piece
    responsible: list[CopiedText] = Field(
        default_factory=list, description="Bodies or officials this directive tells to act, copied word for word from its text.")
    deadline: Optional[CopiedText] = Field(
        default=None, description="The deadline date copied exactly as printed in this directive, or null if it has none.")
