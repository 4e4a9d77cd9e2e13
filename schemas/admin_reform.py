"""Administrative reform: dossiers received, returned early / on time / late, pending, overdue."""
from __future__ import annotations

from typing import Annotated, ClassVar, Optional

from pydantic import BaseModel, Field

from .common import Indicator, count_of

DossierCount = Annotated[Optional[str], count_of("hồ sơ")]


class Dossiers(BaseModel):
    RECORD_TYPE: ClassVar[str] = "dossiers"  # one record per kind of dossier, each counting many
    carried_over: DossierCount  # Kỳ trước chuyển sang.
    new: DossierCount  # Tiếp nhận mới.
    received_total: DossierCount  # Tổng số hồ sơ tiếp nhận / xử lý.
    online: DossierCount  # Received online (trực tuyến).
    returned_total: DossierCount  # Đã giải quyết / trả kết quả.
    returned_early: DossierCount  # Trả trước hạn.
    returned_on_time: DossierCount  # Trả đúng hạn.
    returned_late: DossierCount  # Trả quá hạn.
    in_process: DossierCount  # Đang giải quyết.

    # Identities the validator checks (whole, parts).
    SUMS: ClassVar = [("received_total", ("carried_over", "new")),
                      ("returned_total", ("returned_early", "returned_on_time", "returned_late")),
                      ("received_total", ("returned_total", "in_process"))]


class Reply(BaseModel):
    dossiers: list[Dossiers] = Field(default_factory=list)
    indicators: list[Indicator] = Field(default_factory=list)
