"""Direction and administration: documents issued and tasks assigned / completed / pending."""
from __future__ import annotations

from typing import Annotated, ClassVar, Optional

from pydantic import BaseModel, Field

from .common import Part, count_of

TaskCount = Annotated[Optional[str], count_of("nhiệm vụ")]
DocumentCount = Annotated[Optional[str], count_of("văn bản")]


class Tasks(BaseModel):
    """Tasks the province assigned and how many were completed on time, late, or not yet."""

    assigned: TaskCount  # Tasks assigned (giao).
    completed: TaskCount  # Tasks completed (đã hoàn thành).
    completed_on_time: TaskCount  # Completed on time (đúng thời hạn).
    completed_late: TaskCount  # Completed late (quá thời hạn).
    pending: TaskCount  # Not yet completed (chưa hoàn thành).

    # Identities the validator checks (whole, parts): on time + late = completed; completed + pending = assigned.
    SUMS: ClassVar = [("completed", ("completed_on_time", "completed_late")), ("assigned", ("completed", "pending"))]


class DocumentsIssued(BaseModel):
    """Documents issued ("ban hành … văn bản") and the kinds listed after it."""

    total: DocumentCount
    parts: list[Part] = Field(default_factory=list)
    parts_complete: Optional[bool] = None


class Reply(BaseModel):
    documents: Optional[DocumentsIssued] = None
    tasks: Optional[Tasks] = None
