"""Building blocks shared by the section schemas.

The model never types a figure's value. A field of type `Ref` holds a reference to one of the
numeric mentions the engine listed for the chunk: its id ("n3") or the number copied exactly
as printed ("2.828,46 tỷ đồng"). The engine resolves the reference to the mention and takes
value, unit, scale and offsets from its own parser; a reference that matches no mention of
the chunk is rejected.
"""
from __future__ import annotations

from typing import Annotated, Any, Literal, Optional

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, ValidationInfo


class FigureRefMarker:
    """Metadata marker: the annotated field is a figure reference, resolved by the engine."""


FIGURE = FigureRefMarker()


def _as_text(value: Any) -> Any:
    """Models sometimes answer 510 instead of "510": keep it as the printed text to match."""
    return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


def _known_figure(value: Optional[str], info: ValidationInfo) -> Optional[str]:
    """With the engine's resolver in the validation context, reject references that match no
    figure of the chunk; the error goes back to the model, which is asked again."""
    check = (info.context or {}).get("check_figure")
    if value is not None and check is not None:
        check(value)
    return value


Ref = Annotated[
    Optional[str],
    FIGURE,
    BeforeValidator(_as_text),
    AfterValidator(_known_figure),
    Field(default=None, description='Id of a listed figure (e.g. "n3") or the number copied exactly as printed; null if the text gives none.'),
]


class Part(BaseModel):
    """One component of a total: "trong đó: Thu nội địa 783,85 tỷ đồng"."""

    name: str = Field(description="What the part is, in the report's words.")
    value: Ref
    plan_percent: Ref = Field(default=None, description='"đạt x% kế hoạch/dự toán" for this part.')
    change_percent: Ref = Field(default=None, description='"tăng/giảm x% so với cùng kỳ" for this part.')


class Indicator(BaseModel):
    """A figure the report states, with the comparisons it prints next to it."""

    name: str = Field(description="What is measured, in the report's words (Vietnamese).")
    value: Ref
    period: Optional[Literal["month", "cumulative", "as_of_date", "year"]] = Field(
        default=None, description='"tháng 01" → month; "lũy kế", "N tháng" → cumulative; "đến 31/01" → as_of_date.')
    plan_percent: Ref = Field(default=None, description='"đạt x% kế hoạch/dự toán" when no basis is named.')
    plan_percent_central: Ref = Field(default=None, description='"đạt x% dự toán/kế hoạch Trung ương (Thủ tướng) giao".')
    plan_percent_provincial: Ref = Field(default=None, description='"đạt x% dự toán/kế hoạch tỉnh giao".')
    change_percent: Ref = Field(default=None, description='"tăng/giảm x% so với cùng kỳ".')
    change_direction: Optional[Literal["increase", "decrease", "same"]] = Field(
        default=None, description='"tăng" → increase, "giảm" → decrease, "bằng" → same.')
    parts: list[Part] = Field(default_factory=list, description="Components listed after the total.")
    parts_complete: Optional[bool] = Field(
        default=None, description='true if the list is introduced by "gồm"; false for "trong đó", "chủ yếu", "và các … khác".')


class IndicatorsReply(BaseModel):
    """The reply of sections that only state indicators."""

    indicators: list[Indicator] = Field(default_factory=list)
