"""Administrative reform: dossiers received, returned early / on time / late, pending, overdue."""
from __future__ import annotations

from pydantic import BaseModel, Field

from .common import Indicator, Ref


class Dossiers(BaseModel):
    carried_over: Ref = Field(default=None, description="Kỳ trước chuyển sang.")
    new: Ref = Field(default=None, description="Tiếp nhận mới.")
    received_total: Ref = Field(default=None, description="Tổng số hồ sơ tiếp nhận / xử lý.")
    online: Ref = Field(default=None, description="Received online (trực tuyến).")
    returned_total: Ref = Field(default=None, description="Đã giải quyết / trả kết quả.")
    returned_early: Ref = Field(default=None, description="Trả trước hạn.")
    returned_on_time: Ref = Field(default=None, description="Trả đúng hạn.")
    returned_late: Ref = Field(default=None, description="Trả quá hạn.")
    in_process: Ref = Field(default=None, description="Đang giải quyết.")


DESCRIPTION = "Dossier counts (carried over, new, returned early/on time/late, in process) and indicators."


class Reply(BaseModel):
    dossiers: list[Dossiers] = Field(default_factory=list)
    indicators: list[Indicator] = Field(default_factory=list)
