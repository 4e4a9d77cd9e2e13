"""Checks across reports for people: listed from the corpus (`corpus checks`, the series page)
and the failing ones sent to the review store, where a decision on them is kept."""
from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from ..document.report import load_document
from ..errors import ExtractorError
from ..output.result import Check, CheckFigure
from ..review.store import ReviewStore
from .database import open_existing, record_decision

_MARGIN = 160  # characters of text shown around a check's figures


def listed(path: Path, status: str | None = None) -> list[dict[str, Any]]:
    """The checks across reports, later report first, with the figures each used (document,
    file, offsets) and the decision taken on it."""
    db = open_existing(path)
    try:
        where, args = ("AND c.status = ?", [status]) if status else ("", [])
        checks = db.execute(f"""
            SELECT c.id, c.key, c.rule, c.status, c.severity, c.indicator, c.expression, c.message, c.review,
                   d.province, d.period, d.source, d.content_hash, c.section_id
            FROM checks c JOIN documents d ON d.id = c.document_id
            WHERE c.scope = 'corpus' {where} ORDER BY d.province, d.period, c.indicator, c.rule""", args).fetchall()
        out = []
        for (cid, key, rule, st, severity, indicator, expression, message, review, province, period, source, digest,
             section) in checks:
            figures = [dict(zip(("role", "text", "value", "start", "end", "period", "source", "figure"), r))
                       for r in db.execute("""SELECT cf.role, cf.text, cf.value, cf.start, cf.end, d.period, d.source,
                                                     cf.figure_id
                                              FROM check_figures cf JOIN documents d ON d.id = cf.document_id
                                              WHERE cf.check_id = ? ORDER BY cf.id""", [cid])]
            out.append({"id": cid, "key": key, "rule": rule, "status": st, "severity": severity, "indicator": indicator,
                        "province": province, "period": period, "source": source, "content_hash": digest,
                        "section_id": section, "expression": expression, "message": message, "review": review,
                        "figures": figures})
    finally:
        db.close()
    return out


def flag_for_review(path: Path, store: ReviewStore, content_hash: str | None = None) -> int:
    """Put the failing checks across reports (those that used the report `content_hash`, or
    all) into the review store (an item holds the later report's figures and passage; its
    message names the earlier report), bring back the decisions taken on them (a correction
    becomes the figure's corrected value), and return how many are still open."""
    waiting = 0
    db = open_existing(path)
    try:
        with db.conn:
            db.conn.execute("BEGIN IMMEDIATE")
            for check_id, doc_id, digest, source, check, figure_ids in _failing(db.conn, content_hash):
                passage, start = _passage(source, digest, check)
                item = store.flag(check, content_hash=digest, source=source, passage=passage, passage_start=start)
                decision = item.decision()
                db.conn.execute("UPDATE checks SET review = ? WHERE id = ?", [item.status, check_id])
                db.conn.execute("DELETE FROM review_decisions WHERE check_id = ?", [check_id])
                record_decision(db.conn, check_id, doc_id, decision, figure_ids)
                for role, value in ((decision or {}).get("correction") or {}).items():
                    if figure_ids.get(role) is not None:
                        db.conn.execute("UPDATE figures SET corrected_value = ?, review = 'corrected' WHERE id = ?",
                                        [value, figure_ids[role]])
                waiting += item.status == "open"
    finally:
        db.close()
    return waiting


def _failing(conn: sqlite3.Connection, content_hash: str | None
             ) -> list[tuple[int, int, str, str | None, Check, dict[str, int | None]]]:
    """The failing (or only-if-truncated) checks across reports (that used the report
    `content_hash`, or all), each with the later report's own figures (offsets into that
    report, so the review pages mark them there) and their ids."""
    out = []
    using = "" if content_hash is None else """AND c.id IN (SELECT cf.check_id FROM check_figures cf
        JOIN documents u ON u.id = cf.document_id WHERE u.content_hash = ?)"""
    for cid, doc_id, digest, source, key, rule, status, severity, expression, message, section, record in conn.execute(
            f"""SELECT c.id, c.document_id, d.content_hash, d.source, c.key, c.rule, c.status, c.severity, c.expression,
                       c.message, c.section_id, c.record_id
                FROM checks c JOIN documents d ON d.id = c.document_id
                WHERE c.scope = 'corpus' AND c.status IN ('fail', 'warn') {using} ORDER BY c.id""",
            [] if content_hash is None else [content_hash]).fetchall():
        own = conn.execute("SELECT role, text, value, scale, start, end, figure_id FROM check_figures "
                           "WHERE check_id = ? AND document_id = ? ORDER BY id", [cid, doc_id]).fetchall()
        figures = [CheckFigure(role=r[0], text=r[1], value=r[2], scale=r[3], start=r[4], end=r[5]) for r in own]
        check = Check(rule=rule, category="source", status=status, severity=severity, expression=expression,
                      message=message or "", section_id=section, record_id=record, key=key, figures=figures)
        out.append((cid, doc_id, digest, source, check, {r[0]: r[6] for r in own}))
    return out


def _passage(source: str | None, digest: str, check: Check) -> tuple[str, int]:
    """The later report's text around the check's figures; the check written out when the
    file is gone or has changed."""
    try:
        doc = load_document(Path(source)) if source else None
    except (OSError, ExtractorError):
        doc = None
    if doc is None or doc.content_hash != digest or not check.figures:
        return f"{check.expression}\n{check.message}", 0
    a = max(0, min(f.start for f in check.figures) - _MARGIN)
    b = min(len(doc.text), max(f.end for f in check.figures) + _MARGIN)
    return doc.text[a:b], a
