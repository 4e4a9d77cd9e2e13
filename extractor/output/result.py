"""The output of a run, as pydantic models: their JSON Schema is what `extractor schema`
prints and what schemas/result.schema.json ships."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, Literal, Optional

from pydantic import BaseModel, Field, field_validator

RESULT_VERSION = "1"

CheckCategory = Literal["source", "extraction"]
CheckStatus = Literal["pass", "fail", "warn", "skip"]
Severity = Literal["error", "warning", "info"]


class Evidence(BaseModel):
    """Source text a record rests on, found by the engine (never trusted from the model)."""

    quote: str
    start: int
    end: int


class FigureValue(BaseModel):
    """A figure as our parser read it at its offsets: the model only pointed at it."""

    text: str = Field(description="As printed, e.g. '809.338 triệu đồng'.")
    value: str = Field(description="Decimal as a string, scale applied: '809338000000'.")
    number: str = Field(description="The numeral as printed, as a decimal string: '809338'.")
    decimals: int
    scale: Optional[str] = None
    unit: Optional[str] = None
    kind: str
    qualifier: Optional[str] = None
    range_to: Optional[str] = None
    denominator: Optional[str] = None
    start: int
    end: int
    footnote: Optional[int] = None
    review: Optional[str] = Field(default=None, description="Review status of a flagged check on this figure: "
                                                            "open, approved, rejected or corrected.")
    corrected_value: Optional[str] = Field(default=None, description="A reviewer's value (scale applied), "
                                                                     "which overrides `value`.")

    @field_validator("value", "number", "range_to", "denominator", "corrected_value")
    @classmethod
    def _decimal(cls, text: str | None) -> str | None:
        """A number field is a finite decimal string: a result file edited by hand or damaged is
        refused when read, not a traceback in a check."""
        try:
            finite = text is None or Decimal(text).is_finite()
        except InvalidOperation:
            finite = False
        if not finite:
            raise ValueError(f"{text!r} is not a decimal number")
        return text


class Issue(BaseModel):
    """Something the engine could not ground: the record keeps its other fields. Field "name":
    the record's name has words the text the model was shown does not print."""

    field: str
    problem: str


class Record(BaseModel):
    id: str
    section_id: str
    chunk_id: str
    kind: str = Field(description="Section kind (schemas/<kind>.py).")
    type: str = Field(description="What the record is: indicator, part, tasks, dossiers, documents, incidents, directive…")
    name: Optional[str] = None
    figures: dict[str, Optional[FigureValue]] = Field(default_factory=dict)
    labels: dict[str, Any] = Field(default_factory=dict, description='Labels; {"source": "reader"} on a record the '
                                                                     'deterministic reader read (no model).')
    parts: list["Record"] = Field(default_factory=list)
    parts_complete: Optional[bool] = None
    evidence: Optional[Evidence] = None
    issues: list[Issue] = Field(default_factory=list)


class CheckFigure(BaseModel):
    """A number a check used, with the evidence for it."""

    role: str = Field(description="Which field of which record: 'completed', 'parts[2].value', …")
    text: str
    value: str
    scale: Optional[str] = None
    start: int
    end: int


class Check(BaseModel):
    """One deterministic check: source inconsistencies go to review, extraction errors are the model's."""

    rule: str = Field(description="identity, parts_total, share, fraction, change, change_amount, cumulative, "
                                  "percent_range, plan_consistency, growth_consistency, whole_base, item_count, "
                                  "grounding; in results made before 2026-11-26 also name (a record's name the text "
                                  "does not print: such a record is now left out)")
    category: CheckCategory
    status: CheckStatus
    severity: Severity
    expression: str = Field(description="The arithmetic with its numbers written out: '354 + 25 = 379 ✓'.")
    message: str = ""
    section_id: Optional[str] = None
    record_id: Optional[str] = None
    figures: list[CheckFigure] = Field(default_factory=list)
    key: str = Field(description="Stable id: document hash, rule and numbers; a review decision attaches to it.")
    review: Optional[dict[str, Any]] = Field(default=None, description="The reviewer's decision, if any.")


class SectionResult(BaseModel):
    id: str
    title: str
    kind: str
    status: Literal["extracted", "cached", "failed", "partial"]
    chunks: int
    cached_chunks: int = 0
    failed_chunks: int = 0
    records: int = 0
    errors: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list, description="Fields of the model's records dropped because "
                                                                  "they contradict the reader's reading of the figure.")


class UsageTotals(BaseModel):
    requests: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    retries: int = 0
    cache_hits: int = 0


class Coverage(BaseModel):
    figures: int
    covered: int
    left_over: list[FigureValue] = Field(default_factory=list)


class Result(BaseModel):
    result_version: str = RESULT_VERSION
    source: Optional[str] = None
    content_hash: str
    metadata: dict[str, Any]
    model: str
    sections: list[SectionResult] = Field(default_factory=list)
    records: list[Record] = Field(default_factory=list)
    coverage: Optional[Coverage] = None
    checks: list[Check] = Field(default_factory=list)
    usage: UsageTotals = Field(default_factory=UsageTotals)
