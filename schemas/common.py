"""Building blocks shared by the section schemas.

The model never types a figure's value. A field of type `Ref` holds a reference to one of the
numeric mentions the engine listed for the chunk: its id ("n3") or the number copied exactly
as printed ("2.828,46 tỷ đồng"). The engine resolves the reference to the mention and takes
value, unit, scale and offsets from its own parser; a reference that matches no mention of
the chunk is rejected.
"""
from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, Optional, cast

from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, ValidationInfo
from pydantic.fields import FieldInfo


class FigureRefMarker:
    """Metadata marker: the annotated field is a figure reference, resolved by the engine.

    `kinds` / `units` restrict which figures fit (a plan share must be a percent; a task count
    must count tasks): a reference to a figure of another kind is sent back to the model.
    """

    def __init__(self, kinds: tuple[str, ...] = (), units: tuple[str, ...] = ()) -> None:
        self.kinds = kinds
        self.units = units


FIGURE = FigureRefMarker()


def _as_text(value: Any) -> Any:
    """Models sometimes answer 510 instead of "510": keep it as the printed text to match."""
    return str(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else value


def figure_ref(marker: FigureRefMarker, description: str) -> FieldInfo:
    """What makes an optional string a figure reference: `Annotated[Optional[str], figure_ref(…)]`
    (a type a type checker reads as what the model answers, `str | None`). With the engine's
    checker in the validation context, a reference that matches no listed figure, or one of the
    wrong kind, is rejected and the error goes back to the model."""

    def known(value: Optional[str], info: ValidationInfo) -> Optional[str]:
        check = (info.context or {}).get("check_figure")
        if value is not None and check is not None:
            check(value, marker)
        return value

    # from_annotation takes an Annotated form although its signature says type[Any]
    annotated = cast("type[Any]", Annotated[Optional[str], marker, BeforeValidator(_as_text), AfterValidator(known),
                                            Field(default=None, description=description)])
    return FieldInfo.from_annotation(annotated)


_REF_HELP = 'Id of a listed figure (e.g. "n3"), or null.'
Ref = Annotated[Optional[str], figure_ref(FIGURE, _REF_HELP)]
PercentRef = Annotated[Optional[str], figure_ref(FigureRefMarker(kinds=("percent",)),
                                                 'Id of a listed percentage (e.g. "n3"), or null.')]
AmountRef = Annotated[Optional[str], figure_ref(FigureRefMarker(kinds=("money", "area", "mass", "volume", "energy",
                                                                       "length", "count", "number", "rate", "fraction",
                                                                       "power", "duration")),
                                                'Id of a listed amount that is not a percentage, or null.')]


def count_of(*units: str) -> FieldInfo:
    """A reference to a count of the given things: `Annotated[Optional[str], count_of("hồ sơ")]`."""
    return figure_ref(FigureRefMarker(kinds=("count", "fraction"), units=units),
                      f"Id of a listed number of {' / '.join(units)}, or null.")


def _copied(value: str, info: ValidationInfo) -> str:
    check = (info.context or {}).get("check_text")
    if check is not None:
        check(value)
    return value


# Text the model copies from the report (a responsible body, a deadline): with the engine's
# checker in the validation context, text that is not in the chunk is sent back to the model.
CopiedText = Annotated[str, AfterValidator(_copied)]
Direction = Literal["increase", "decrease", "same"]  # the reader's `change_direction` labels too
DIRECTION_HELP = '"tăng" → increase, "giảm" → decrease, "bằng" → same.'


class Part(BaseModel):
    """One component of a total, listed after "trong đó:" or "gồm:"."""

    name: str = Field(description="What the part is, in the report's words.")
    value: AmountRef
    share_percent: PercentRef  # "chiếm x%" of the total.
    plan_percent: PercentRef
    change_percent: PercentRef


class Indicator(BaseModel):
    """A figure the report states, with the comparisons it prints next to it."""

    RECORD_TYPE: ClassVar[str] = "indicator"  # each item of an `indicators` list is one indicator record

    name: str = Field(description="What is measured, in the report's words (Vietnamese).")
    value: AmountRef
    period: Optional[Literal["month", "cumulative", "as_of_date", "year"]] = Field(
        default=None, description='"tháng 01" → month; "lũy kế", "N tháng" → cumulative; "đến 31/01" → as_of_date.')
    plan_percent: PercentRef  # "đạt x% kế hoạch/dự toán" when no basis is named.
    plan_percent_central: PercentRef  # "đạt x% dự toán/kế hoạch Trung ương (Thủ tướng) giao".
    plan_percent_provincial: PercentRef  # "đạt x% dự toán/kế hoạch tỉnh giao".
    change_percent: PercentRef  # "tăng/giảm x% so với cùng kỳ".
    change_direction: Optional[Direction] = Field(default=None, description=DIRECTION_HELP)
    parts: list[Part] = Field(default_factory=list, description="Components listed after the total.")
    parts_complete: Optional[bool] = Field(
        default=None, description='true if the list is introduced by "gồm"; false for "trong đó", "chủ yếu", "và các … khác".')


class IndicatorsReply(BaseModel):
    """The reply of sections that only state indicators."""

    indicators: list[Indicator] = Field(default_factory=list)
