"""The corpus database: many results in one SQLite file, queryable with plain SQL and
browsable with Datasette (`datasette corpus.sqlite`).

Tables (created with sqlite-utils; rows written with plain SQL inside one explicit
transaction, which sqlite-utils' own inserts would commit piecemeal), each row pointing at its
parent by foreign key: documents (one per content hash),
sections, records (a part points at its total), figures (one per figure of a record, with its
value, unit, scale, printed precision, period, offsets, review status and corrected value),
checks (a report's own, and those across reports: extractor/corpus/crosschecks.py), check_figures
(the numbers each check used: document, figure and offsets) and review_decisions (who decided
what on a check, when, and the value they corrected a figure to). A view, `indicator_figures`,
joins a record's main figure to its document and canonical indicator.

Adding a result whose content hash is already there replaces that document's rows in the same
transaction: adding twice gives the same database, and a crash leaves the previous state.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import sqlite_utils
from pydantic import ValidationError

from ..errors import ExtractorError
from ..output.dicts import document_fields
from ..output.figures import main_figure
from ..output.result import Check, CheckFigure, Record, Result
from ..review.flagging import apply_decisions
from ..review.store import ReviewStore
from .indicators import IndicatorTable, load_table

SCHEMA_VERSION = 2
# deleted before their document, children first
_CHILDREN = ("review_decisions", "check_figures", "checks", "figures", "records", "sections")


def open_corpus(path: Path) -> sqlite_utils.Database:
    """The database at `path`, created with its tables if new; a file that is not one is a
    one-line error."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite_utils.Database(sqlite3.connect(path, timeout=30))
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("PRAGMA journal_mode=WAL")  # readers (Datasette, series) go on while a run adds
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise ExtractorError(f"{path}: corpus schema {version} is newer than this extractor ({SCHEMA_VERSION})")
        if version < SCHEMA_VERSION:
            with db.conn:
                _create(db)
                _upgrade(db)
                db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
    except (sqlite3.DatabaseError, OSError) as exc:
        raise ExtractorError(f"{path}: not a usable corpus database ({exc})") from None
    return db


def open_existing(path: Path) -> sqlite_utils.Database:
    """An existing corpus, for reading: a missing file is a one-line error, not a new database."""
    if not path.is_file():
        raise ExtractorError(f"{path}: no such corpus database (create it with `extractor corpus add`)")
    return open_corpus(path)


def _create(db: sqlite_utils.Database) -> None:
    db.table("documents").create({
        "id": int, "content_hash": str, "source": str, "province": str, "issuer": str, "period": str, "year": int,
        "month": int, "doc_type": str, "number": str, "date": str, "title": str, "model": str, "added_at": str,
    }, pk="id", not_null={"content_hash"}, if_not_exists=True)
    db.table("documents").create_index(["content_hash"], unique=True, if_not_exists=True)
    db.table("sections").create({
        "id": int, "document_id": int, "section_id": str, "title": str, "kind": str, "status": str, "chunks": int,
        "failed_chunks": int, "records": int,
    }, pk="id", foreign_keys=[("document_id", "documents", "id")], if_not_exists=True)
    db.table("records").create({
        "id": int, "document_id": int, "parent_id": int, "record_id": str, "section_id": str, "title_path": str,
        "type": str, "name": str, "indicator": str, "labels": str, "parts_complete": int, "evidence_start": int,
        "evidence_end": int, "issues": str,
    }, pk="id", foreign_keys=[("document_id", "documents", "id"), ("parent_id", "records", "id")],
        if_not_exists=True)
    db.table("figures").create({
        "id": int, "document_id": int, "record_id": int, "field": str, "main": int, "text": str, "value": str,
        "number": str, "unit": str, "scale": str, "kind": str, "period": str, "period_kind": str, "start": int,
        "end": int, "footnote": int, "review": str, "corrected_value": str, "decimals": int, "qualifier": str,
        "range_to": str,
    }, pk="id", foreign_keys=[("document_id", "documents", "id"), ("record_id", "records", "id")],
        if_not_exists=True)
    db.table("checks").create({
        "id": int, "document_id": int, "key": str, "rule": str, "category": str, "status": str, "severity": str,
        "expression": str, "message": str, "section_id": str, "record_id": str, "review": str, "scope": str,
        "indicator": str,
    }, pk="id", foreign_keys=[("document_id", "documents", "id")], if_not_exists=True)
    db.table("check_figures").create({
        "id": int, "check_id": int, "document_id": int, "figure_id": int, "role": str, "text": str, "value": str,
        "scale": str, "start": int, "end": int,
    }, pk="id", foreign_keys=[("check_id", "checks", "id"), ("document_id", "documents", "id"),
                              ("figure_id", "figures", "id")], if_not_exists=True)
    db.table("review_decisions").create({
        "id": int, "check_id": int, "figure_id": int, "document_id": int, "item": int, "decision": str, "who": str,
        "decided_at": str, "note": str, "field": str, "corrected_value": str,
    }, pk="id", foreign_keys=[("check_id", "checks", "id"), ("figure_id", "figures", "id"),
                              ("document_id", "documents", "id")], if_not_exists=True)
    for table, column in (("sections", "document_id"), ("records", "document_id"), ("records", "indicator"),
                          ("records", "parent_id"),
                          ("figures", "record_id"), ("figures", "document_id"), ("checks", "document_id"),
                          ("check_figures", "check_id"), ("check_figures", "document_id"),
                          ("check_figures", "figure_id"), ("review_decisions", "check_id"),
                          ("review_decisions", "document_id"), ("review_decisions", "figure_id")):
        # every foreign key: deleting a parent looks its children up
        db.table(table).create_index([column], if_not_exists=True)
    db.create_view("indicator_figures", """
        SELECT r.indicator, d.province, d.period, d.year, d.month, f.field, f.main, f.value, f.corrected_value,
               coalesce(f.corrected_value, f.value) AS used_value, f.unit, f.scale, f.text, f.review,
               f.period_kind, f.start, f.end, d.source, d.content_hash, r.name, r.section_id, r.id AS record,
               f.id AS figure, d.id AS document
        FROM figures f JOIN records r ON r.id = f.record_id JOIN documents d ON d.id = f.document_id
        WHERE r.indicator IS NOT NULL""", ignore=True)


def _upgrade(db: sqlite_utils.Database) -> None:
    """Columns a corpus written by an earlier version lacks (its rows keep NULL there)."""
    for table, columns in (("figures", {"decimals": int, "qualifier": str, "range_to": str}),
                           ("checks", {"scope": str, "indicator": str})):
        have = db.table(table).columns_dict
        for name, kind in columns.items():
            if name not in have:
                db.table(table).add_column(name, kind)


def load_results(paths: Iterable[Path]) -> list[Result]:
    """Result JSON files (as `extract` writes them: one document, or JSON Lines)."""
    results: list[Result] = []
    for path in paths:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise ExtractorError(f"{path}: not an extractor result (not UTF-8 text)") from None
        except OSError as exc:
            raise ExtractorError(f"{path}: cannot read ({exc.strerror or exc})") from None
        lines = [line for line in text.splitlines() if line.strip()]
        try:
            if _is_json_object(lines[0] if lines else ""):  # JSON Lines: a whole result per line
                results.extend(Result.model_validate_json(line) for line in lines)
            else:
                results.append(Result.model_validate_json(text))
        except ValidationError as exc:
            raise ExtractorError(f"{path}: not an extractor result ({exc.error_count()} problems, first: "
                                 f"{exc.errors()[0]['msg']})") from None
    return results


def _is_json_object(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


def add_results(path: Path, results: list[Result], province: str | None = None) -> list[int]:
    """Add (or replace, by content hash) each result; one transaction per result. Returns the
    document ids. `province` stands in for a header that names none."""
    db = open_corpus(path)
    table = load_table()
    try:
        return [_add(db, result, table, province) for result in results]
    finally:
        db.close()


def _add(db: sqlite_utils.Database, result: Result, table: IndicatorTable, province: str | None) -> int:
    fields = document_fields(result)
    conn = db.conn
    with conn:  # one transaction: the old rows go and the new come, or nothing changes
        conn.execute("BEGIN IMMEDIATE")  # two runs adding one report queue instead of racing
        old = conn.execute("SELECT id FROM documents WHERE content_hash = ?", [result.content_hash]).fetchone()
        if old:
            _forget(conn, old[0])
        doc_id = _insert(conn, "documents", {
            "content_hash": result.content_hash, "source": result.source,
            "province": fields["province"] or province, "issuer": fields["issuer"], "period": fields["period"],
            "year": fields["year"], "month": fields["month"], "doc_type": fields["doc_type"],
            "number": fields["number"], "date": fields["date"], "title": fields["title"], "model": result.model,
            "added_at": datetime.now(timezone.utc).isoformat(timespec="seconds")})
        for sec in result.sections:
            _insert(conn, "sections", {"document_id": doc_id, "section_id": sec.id, "title": sec.title,
                                       "kind": sec.kind, "status": sec.status, "chunks": sec.chunks,
                                       "failed_chunks": sec.failed_chunks, "records": sec.records})
        for rec in result.records:
            _add_record(conn, doc_id, rec, None, None, title_path(result, rec.section_id), fields["period"], table)
        for check in result.checks:
            insert_check(conn, check, doc_id, "report", None, [(doc_id, f) for f in check.figures])
        from .crosschecks import check_around

        check_around(conn, doc_id)  # the checks across reports this one takes part in, made again
    return doc_id


def _forget(conn: sqlite3.Connection, doc_id: int) -> None:
    """A document's rows, with the checks across reports that used its figures (they are made
    again when it comes back, see `crosschecks.check_around`)."""
    checks = [r[0] for r in conn.execute("SELECT check_id FROM check_figures WHERE document_id = ? UNION "
                                         "SELECT id FROM checks WHERE document_id = ?", [doc_id, doc_id])]
    forget_checks(conn, checks)
    conn.execute("DELETE FROM review_decisions WHERE figure_id IN (SELECT id FROM figures WHERE document_id = ?)",
                 [doc_id])
    for child in _CHILDREN:
        conn.execute(f"DELETE FROM {child} WHERE document_id = ?", [doc_id])
    conn.execute("DELETE FROM documents WHERE id = ?", [doc_id])


def forget_checks(conn: sqlite3.Connection, ids: list[int]) -> None:
    """These checks, the figures they used and the decisions copied onto them."""
    for start in range(0, len(ids), 500):  # SQLite's limit on parameters
        chunk = ids[start:start + 500]
        marks = ", ".join("?" * len(chunk))
        for table, column in (("review_decisions", "check_id"), ("check_figures", "check_id"), ("checks", "id")):
            conn.execute(f"DELETE FROM {table} WHERE {column} IN ({marks})", chunk)


def insert_check(conn: sqlite3.Connection, check: Check, doc_id: int, scope: str, indicator: str | None,
                 used: list[tuple[int, CheckFigure]]) -> int:
    """A check, the figures it used (each in its own document, linked to the stored figure at
    those offsets when there is one) and the decision taken on it, if any."""
    check_id = _insert(conn, "checks", {
        "document_id": doc_id, "key": check.key, "rule": check.rule, "category": check.category,
        "status": check.status, "severity": check.severity, "expression": check.expression,
        "message": check.message, "section_id": check.section_id, "record_id": check.record_id,
        "review": (check.review or {}).get("status"), "scope": scope, "indicator": indicator})
    figure_ids: dict[str, int | None] = {}
    for document, fig in used:
        row = conn.execute("SELECT min(id) FROM figures WHERE document_id = ? AND start = ?",
                           [document, fig.start]).fetchone()
        figure_ids[fig.role] = row[0] if row else None
        _insert(conn, "check_figures", {"check_id": check_id, "document_id": document, "figure_id": row[0],
                                        "role": fig.role, "text": fig.text, "value": fig.value, "scale": fig.scale,
                                        "start": fig.start, "end": fig.end})
    record_decision(conn, check_id, doc_id, check.review, figure_ids)
    return check_id


def record_decision(conn: sqlite3.Connection, check_id: int, doc_id: int, review: dict[str, Any] | None,
                    figure_ids: dict[str, int | None]) -> None:
    """The reviewer's decision on a check as rows of `review_decisions`: one per corrected
    figure (with its value), or one for the check when nothing was corrected."""
    if not review or review.get("status") in (None, "open"):
        return
    base = {"check_id": check_id, "document_id": doc_id, "item": review.get("item"), "decision": review["status"],
            "who": review.get("by"), "decided_at": review.get("at"), "note": review.get("note")}
    corrections = review.get("correction") or {}
    for role, value in corrections.items():
        _insert(conn, "review_decisions", {**base, "figure_id": figure_ids.get(role), "field": role,
                                           "corrected_value": value})
    if not corrections:
        _insert(conn, "review_decisions", {**base, "figure_id": None, "field": None, "corrected_value": None})


def title_path(result: Result, section_id: str) -> str:
    """The titles from the top section down to this one ("Lĩnh vực phát triển kinh tế > Thu, chi
    ngân sách"), as far as the result holds them."""
    return " > ".join(s.title for s in result.sections if section_id == s.id or section_id.startswith(s.id + "."))


def _add_record(conn: sqlite3.Connection, doc_id: int, rec: Record, parent: int | None, parent_key: str | None,
                titles: str, period: str | None, table: IndicatorTable) -> None:
    key = table.key_of(rec.type, rec.name, titles, parent_key)
    row_id = _insert(conn, "records", {
        "document_id": doc_id, "parent_id": parent, "record_id": rec.id, "section_id": rec.section_id,
        "title_path": titles, "type": rec.type, "name": rec.name, "indicator": key,
        "labels": json.dumps(rec.labels, ensure_ascii=False) if rec.labels else None,
        "parts_complete": rec.parts_complete, "evidence_start": rec.evidence.start if rec.evidence else None,
        "evidence_end": rec.evidence.end if rec.evidence else None,
        "issues": "; ".join(f"{i.field}: {i.problem}" for i in rec.issues) or None})
    main = main_figure(rec)
    for name, fig in rec.figures.items():
        if fig is None:
            continue
        _insert(conn, "figures", {
            "document_id": doc_id, "record_id": row_id, "field": name,
            "main": int(main is not None and main[0] == name), "text": fig.text, "value": fig.value,
            "number": fig.number, "unit": fig.unit, "scale": fig.scale, "kind": fig.kind, "period": period,
            "period_kind": rec.labels.get("period"), "start": fig.start, "end": fig.end, "footnote": fig.footnote,
            "review": fig.review, "corrected_value": fig.corrected_value, "decimals": fig.decimals,
            "qualifier": fig.qualifier, "range_to": fig.range_to})
    for part in rec.parts:
        _add_record(conn, doc_id, part, row_id, key, titles, period, table)


def _insert(conn: sqlite3.Connection, table: str, row: dict[str, Any]) -> int:
    columns = ", ".join(f'"{c}"' for c in row)
    cursor = conn.execute(f"INSERT INTO {table} ({columns}) VALUES ({', '.join('?' * len(row))})", list(row.values()))
    return int(cursor.lastrowid or 0)


def attach_decisions(result: Result, store: ReviewStore) -> None:
    """Bring a saved result up to the review store's decisions (taken after it was written):
    each flagged check gets its item's status, its figures their review and corrected value."""
    for check in result.checks:
        item = store.get_by_key(check.key)
        if item is not None:
            check.review = item.decision() or {"status": "open", "item": item.id}
    apply_decisions(result)


def sections_done(path: Path, content_hash: str) -> set[str]:
    """The sections of a stored report that were extracted without failure (empty if absent)."""
    db = open_existing(path)
    try:
        rows = db.execute("""SELECT s.section_id FROM sections s JOIN documents d ON d.id = s.document_id
                             WHERE d.content_hash = ? AND s.status IN ('extracted', 'cached')""", [content_hash])
        return {r[0] for r in rows}
    finally:
        db.close()


def rekey(path: Path) -> int:
    """Give every record the key the indicator table gives it now (after the table grew);
    returns how many records changed key."""
    db = open_existing(path)
    table = load_table()
    changed = 0
    try:
        with db.conn:
            rows = db.execute("SELECT id, parent_id, type, name, title_path, indicator FROM records "
                              "ORDER BY id").fetchall()
            keys: dict[int, str | None] = {}
            for row_id, parent, rtype, name, title, old in rows:  # a total comes before its parts
                keys[row_id] = table.key_of(rtype, name, title or "", keys.get(parent) if parent else None)
                if keys[row_id] != old:
                    db.execute("UPDATE records SET indicator = ? WHERE id = ?", [keys[row_id], row_id])
                    changed += 1
    finally:
        db.close()
    return changed


def unmatched(path: Path) -> list[dict[str, Any]]:
    """Record names no canonical key covers, most frequent first, with where they occur: the
    list a domain expert grows the indicator table from."""
    db = open_existing(path)
    try:
        rows = db.execute("""
            SELECT r.name, r.type, p.name AS parent, r.title_path, count(*) AS n,
                   count(DISTINCT r.document_id) AS documents, min(d.source) AS example
            FROM records r JOIN documents d ON d.id = r.document_id LEFT JOIN records p ON p.id = r.parent_id
            WHERE r.indicator IS NULL AND r.name IS NOT NULL AND EXISTS (SELECT 1 FROM figures f WHERE f.record_id = r.id)
            GROUP BY r.name, r.type, p.name, r.title_path ORDER BY n DESC, r.name""").fetchall()
    finally:
        db.close()
    return [dict(zip(("name", "type", "parent", "title_path", "records", "documents", "example"), r)) for r in rows]
