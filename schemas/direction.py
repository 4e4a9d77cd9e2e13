"""Direction and administration: documents issued and tasks assigned / completed / pending."""
from __future__ import annotations

from typing import Optional

from pydantic import BaseModel, Field

from .common import Indicator, Part, Ref


class Tasks(BaseModel):
    """"giao 510 nhiệm vụ: đã hoàn thành 379 (354 đúng hạn, 25 quá hạn); còn 131 chưa hoàn thành"."""

    assigned: Ref = Field(default=None, description="Tasks assigned (giao).")
    completed: Ref = Field(default=None, description="Tasks completed (đã hoàn thành).")
    completed_on_time: Ref = Field(default=None, description="Completed on time (đúng thời hạn).")
    completed_late: Ref = Field(default=None, description="Completed late (quá thời hạn).")
    pending: Ref = Field(default=None, description="Not yet completed (chưa hoàn thành).")


class DocumentsIssued(BaseModel):
    """"đã ban hành hơn 2.530 văn bản đi, trong đó: 62 văn bản mật, 08 …"."""

    total: Ref = None
    parts: list[Part] = Field(default_factory=list)
    parts_complete: Optional[bool] = None


DESCRIPTION = "Documents issued with their breakdown; tasks assigned, completed on time/late, pending."


class Reply(BaseModel):
    documents: Optional[DocumentsIssued] = None
    tasks: Optional[Tasks] = None
    indicators: list[Indicator] = Field(default_factory=list)
