"""Run every check on a section's records (engine), or on a saved result (`extractor validate`)."""
from __future__ import annotations

from pathlib import Path

from ..checks.records import check_records
from ..checks.text import check_changes, check_fractions, check_grounding
from ..document.report import Document, load_document
from ..errors import ExtractorError, InputError
from ..output.figures import main_figure
from ..output.result import Check, Record, Result
from ..reading.checks import reader_checks
from ..reading.reader import is_reader_record


def validate_section(doc: Document, section_id: str, records: list[Record]) -> list[Check]:
    """Source checks of one section; extraction (grounding) failures come first.

    The reader's records are read afresh from the text (those in `records` are ignored) and
    checked whatever the model said; a model record about a figure whose parts the reader read
    is not checked a second time, and a check reached twice (same rule, same numbers) counts once."""
    h = doc.content_hash
    own = {section_id}
    model = [r for r in records if not is_reader_record(r)]
    reader, from_reader = reader_checks(doc, section_id)
    settled = {main[1].start for r in reader if r.parts and (main := main_figure(r))}
    unsettled = [r for r in model if not ((main := main_figure(r)) and main[1].start in settled)]
    checks = check_grounding(doc, model, h) + check_records(unsettled, h)
    reached = {_numbers(c) for c in checks}
    checks += [c for c in from_reader if _numbers(c) not in reached]  # the model's record already checks them
    checks += check_fractions(doc, own, h) + check_changes(doc, own, h)
    return list({c.key: c for c in reversed(checks)}.values())[::-1]


def _numbers(check: Check) -> frozenset[int]:
    return frozenset(f.start for f in check.figures)


def validate_result(result: Result, doc: Document) -> list[Check]:
    if doc.content_hash != result.content_hash:
        raise ExtractorError(f"{result.source}: the file changed since it was extracted (content hash differs)")
    known = {s.id for s in doc.sections}
    for section in result.sections:
        if section.id not in known:
            raise ExtractorError(f"{result.source}: section {section.id!r} of the result is not a section of the "
                                 "report as this version reads it: extract it again")
    checks: list[Check] = []
    for section in result.sections:
        checks.extend(validate_section(doc, section.id, [r for r in result.records if r.section_id == section.id]))
    return sort_checks(checks, [s.id for s in result.sections])


def sort_checks(checks: list[Check], section_ids: list[str]) -> list[Check]:
    """In section order, then by where their first number is printed."""
    order = {sid: i for i, sid in enumerate(section_ids)}
    return sorted(checks, key=lambda c: (order.get(c.section_id or "", -1), min((f.start for f in c.figures), default=0)))


def load_result(path: Path) -> Result:
    try:
        return Result.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a result file") from None
    except ValueError as exc:
        raise InputError(f"{path}: not an extractor result ({str(exc).splitlines()[0]})") from None


def source_of(result: Result, override: Path | None = None) -> Document:
    path = override or (Path(result.source) if result.source else None)
    if path is None:
        raise InputError("the result names no source file: pass it with --source")
    return load_document(path)
