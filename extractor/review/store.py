"""The review store: flagged source inconsistencies and the decisions people take on them.

SQLite in WAL mode, schema versioned with `PRAGMA user_version`. An item is keyed by its
check's key (document content hash, rule, numbers), so re-running a report re-attaches the
decisions taken on it. Every decision is one transaction that re-reads the item, refuses to
overwrite an earlier decision unless told to, and appends to the audit log: two reviewers at
once cannot lose a decision, and a killed process leaves the last committed state.
"""
from __future__ import annotations

import functools
import getpass
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import platformdirs

from ..errors import ExtractorError
from ..output.result import Check, Result
from ..redaction import scrub

P = ParamSpec("P")
R = TypeVar("R")
STATUSES = ("open", "approved", "rejected", "corrected")
MIGRATIONS = [
    """CREATE TABLE items (
        id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL UNIQUE, content_hash TEXT NOT NULL,
        source TEXT, section_id TEXT, record_id TEXT, rule TEXT NOT NULL, severity TEXT NOT NULL,
        expression TEXT NOT NULL, check_json TEXT NOT NULL, passage TEXT NOT NULL, passage_start INTEGER NOT NULL,
        status TEXT NOT NULL DEFAULT 'open', correction_json TEXT, note TEXT, decided_by TEXT, decided_at TEXT,
        reextract_pending INTEGER NOT NULL DEFAULT 0, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL);
     CREATE INDEX items_doc ON items(content_hash, status);
     CREATE TABLE audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT, item_id INTEGER NOT NULL REFERENCES items(id), at TEXT NOT NULL,
        who TEXT NOT NULL, action TEXT NOT NULL, previous_status TEXT NOT NULL, new_status TEXT NOT NULL,
        note TEXT, detail_json TEXT);""",
    # The latest result of each document, so a review page can show its records and figures.
    """CREATE TABLE results (
        content_hash TEXT PRIMARY KEY, source TEXT, result_json TEXT NOT NULL, saved_at TEXT NOT NULL);""",
]


class ReviewError(ExtractorError):
    """A decision that cannot be taken (unknown item, missing note, already decided)."""


@dataclass(frozen=True)
class Item:
    id: int
    key: str
    content_hash: str
    source: str | None
    section_id: str | None
    rule: str
    severity: str
    expression: str
    check: Check
    passage: str
    passage_start: int
    status: str
    correction: dict[str, str] | None
    note: str | None
    decided_by: str | None
    decided_at: str | None

    def decision(self) -> dict[str, Any] | None:
        if self.status == "open":
            return None
        return {"status": self.status, "note": self.note, "by": self.decided_by, "at": self.decided_at,
                "correction": self.correction, "item": self.id}

    def review(self) -> dict[str, Any]:
        """What a check carries as its `review`: the decision, or that the item is open."""
        return self.decision() or {"status": "open", "item": self.id}


def default_store_path() -> Path:
    env = os.environ.get("EXTRACTOR_REVIEW_DB")
    return Path(env) if env else Path(platformdirs.user_data_dir("extractor")) / "review.sqlite3"


def existing_store(path: Path | None, create: bool = False) -> ReviewStore:
    """The review store at `path` (or the default one); a store that is not there is an error
    unless `create`: a mistyped path must not silently give an empty store."""
    where = path or default_store_path()
    if not create and not where.exists():
        raise ExtractorError(f"{where}: no review store there (check --store; `extract` or `review serve --create` makes one)")
    return ReviewStore(where)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def reviewer_name(given: str | None) -> str:
    if given:
        return given
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _guarded(method: Callable[P, R]) -> Callable[P, R]:
    """A store method whose SQLite errors (damaged pages, a read-only file, a full disk) and
    damaged rows become one-line errors naming the store."""
    @functools.wraps(method)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
        store = args[0]
        assert isinstance(store, ReviewStore)
        try:
            return method(*args, **kwargs)
        except sqlite3.Error as exc:
            raise _store_error(store.path, exc) from None
        except ValueError as exc:  # a row whose JSON no longer parses
            raise ExtractorError(f"{store.path}: damaged review store ({_first_line(exc)})") from None
    return guarded


class ReviewStore:
    def __init__(self, path: Path | None = None, *, writable: bool = False) -> None:
        """Open (or create) the store. `writable`: fail now, in one line, unless decisions and
        flags can be written (and the store reads whole), so a run finds out before its work."""
        self.path = path or default_store_path()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self._journal_in_wal()
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
            if writable:
                self._check_writable()
        except sqlite3.Error as exc:
            raise _store_error(self.path, exc) from None
        except OSError as exc:
            raise ExtractorError(f"cannot open review store {self.path}: {exc.strerror or exc}") from None
        self._db.row_factory = sqlite3.Row

    def _journal_in_wal(self) -> None:
        try:
            self._db.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError as exc:
            if not _read_only(exc):
                raise  # a store that cannot be written can still be read in its own journal mode

    def _check_writable(self) -> None:
        """Write the schema version it already has, then roll back; and read every page."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            self._db.execute(f"PRAGMA user_version={len(MIGRATIONS)}")
        finally:
            self._db.execute("ROLLBACK")
        problem = self._db.execute("PRAGMA quick_check(1)").fetchone()[0]
        if problem != "ok":
            raise ExtractorError(f"{self.path}: damaged review store ({' '.join(str(problem).split())})")

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def _write(self) -> Iterator["_Scrubbing"]:
        """One IMMEDIATE transaction: writers queue instead of interleaving. Every text written
        in it passes through `redaction.scrub` (a failure reason may quote a key)."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield _Scrubbing(self._db)
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _migrate(self) -> None:
        if self._db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS):
            return  # current: opening to read takes no write lock
        with self._write() as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > len(MIGRATIONS):
                raise ExtractorError(f"{self.path}: made by a newer extractor (schema {version})")
            for number, script in enumerate(MIGRATIONS[version:], version + 1):
                for statement in filter(str.strip, script.split(";")):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version={number}")

    @_guarded
    def flag(self, check: Check, *, content_hash: str, source: str | None, passage: str, passage_start: int) -> Item:
        """Add a flagged check, or refresh the one already there (its decision stays)."""
        now = _now()
        with self._write() as db:
            db.execute(
                """INSERT INTO items (key, content_hash, source, section_id, record_id, rule, severity, expression,
                                      check_json, passage, passage_start, first_seen, last_seen)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT(key) DO UPDATE SET last_seen = excluded.last_seen, source = excluded.source""",
                (check.key, content_hash, source, check.section_id, check.record_id, check.rule, check.severity,
                 check.expression, check.model_dump_json(exclude={"review"}), passage, passage_start, now, now))
        return self.get_by_key(check.key)  # type: ignore[return-value]  # just inserted

    @_guarded
    def get(self, item_id: int) -> Item:
        _known_range(item_id)
        row = self._db.execute("SELECT * FROM items WHERE id = ?", (item_id,)).fetchone()
        if row is None:
            raise ReviewError(f"no review item {item_id}")
        return _item(row)

    @_guarded
    def get_by_key(self, key: str) -> Item | None:
        row = self._db.execute("SELECT * FROM items WHERE key = ?", (key,)).fetchone()
        return _item(row) if row else None

    @_guarded
    def items(self, status: str | None = None, content_hash: str | None = None, *, section_id: str | None = None,
              rule: str | None = None, severity: str | None = None) -> list[Item]:
        """Items oldest first; each given filter must match exactly."""
        filters = {"status": status, "content_hash": content_hash, "section_id": section_id, "rule": rule,
                   "severity": severity}
        given = {column: value for column, value in filters.items() if value}
        where = "".join(f" AND {column} = ?" for column in given)
        return [_item(r) for r in self._db.execute(f"SELECT * FROM items WHERE 1=1{where} ORDER BY id",
                                                   list(given.values()))]

    @_guarded
    def counts(self) -> dict[str, int]:
        """Items per status, every status listed."""
        rows = self._db.execute("SELECT status, COUNT(*) AS n FROM items GROUP BY status")
        return {status: 0 for status in STATUSES} | {r["status"]: r["n"] for r in rows}

    @_guarded
    def recent_decisions(self, limit: int = 10) -> list[dict[str, Any]]:
        """The newest audit entries, each with its item's rule, section and source."""
        rows = self._db.execute("""SELECT audit.*, items.rule, items.section_id, items.source, items.expression
                                   FROM audit JOIN items ON items.id = audit.item_id
                                   ORDER BY audit.id DESC LIMIT ?""", (limit,))
        return [dict(r) for r in rows]

    @_guarded
    def save_result(self, result: Result) -> None:
        """Keep a run's result for the review pages; a run of some sections replaces only those."""
        result = _merged(self.result(result.content_hash), result)
        with self._write() as db:
            db.execute("""INSERT INTO results (content_hash, source, result_json, saved_at) VALUES (?, ?, ?, ?)
                          ON CONFLICT(content_hash) DO UPDATE SET source = excluded.source,
                          result_json = excluded.result_json, saved_at = excluded.saved_at""",
                       (result.content_hash, result.source, result.model_dump_json(), _now()))

    @_guarded
    def result(self, content_hash: str) -> Result | None:
        row = self._db.execute("SELECT result_json FROM results WHERE content_hash = ?", (content_hash,)).fetchone()
        return Result.model_validate_json(row["result_json"]) if row else None

    @_guarded
    def documents(self) -> dict[str, str]:
        """Content hash → source path of every document with items or a saved result."""
        rows = self._db.execute("""SELECT content_hash, MAX(source) AS source FROM
                                   (SELECT content_hash, source FROM items UNION ALL SELECT content_hash, source FROM results)
                                   GROUP BY content_hash ORDER BY source""")
        return {r["content_hash"]: r["source"] or r["content_hash"][:12] for r in rows}

    @_guarded
    def decide(self, item_id: int, status: str, *, who: str, note: str | None = None,
               correction: dict[str, str] | None = None, override: bool = False) -> Item:
        """Approve, reject or correct an item; the audit log keeps what it was before."""
        if status not in STATUSES[1:]:
            raise ReviewError(f"unknown decision {status!r}")
        if status in ("rejected", "corrected") and not (note and note.strip()):
            raise ReviewError(f"a note is required to mark item {item_id} {status}")
        _known_range(item_id)
        who = " ".join(who.split()) or reviewer_name(None)  # one line wherever it is shown (a form may send "a\nb")
        with self._write() as db:
            row = db.execute("SELECT * FROM items WHERE id = ?", (item_id,)).fetchone()
            if row is None:
                raise ReviewError(f"no review item {item_id}")
            if row["status"] != "open" and not override:
                raise ReviewError(f"item {item_id} was already {row['status']} by {row['decided_by']} at "
                                  f"{row['decided_at']}; pass --override to change it")
            at = _now()
            db.execute("""UPDATE items SET status = ?, note = ?, correction_json = ?, decided_by = ?, decided_at = ?,
                          reextract_pending = ? WHERE id = ?""",
                       (status, note, json.dumps(correction, ensure_ascii=False) if correction else None, who, at,
                        int(status == "rejected"), item_id))
            db.execute("""INSERT INTO audit (item_id, at, who, action, previous_status, new_status, note, detail_json)
                          VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                       (item_id, at, who, "override" if row["status"] != "open" else "decide", row["status"], status,
                        note, json.dumps({"correction": correction, "previous_note": row["note"]}, ensure_ascii=False)))
        return self.get(item_id)

    @_guarded
    def audit(self, item_id: int | None = None) -> list[dict[str, Any]]:
        query = "SELECT * FROM audit" + (" WHERE item_id = ?" if item_id is not None else "") + " ORDER BY id"
        return [dict(r) for r in self._db.execute(query, () if item_id is None else (item_id,))]

    @_guarded
    def sections_to_reextract(self, content_hash: str) -> set[str]:
        rows = self._db.execute("SELECT section_id FROM items WHERE content_hash = ? AND reextract_pending = 1",
                                (content_hash,))
        return {r["section_id"] for r in rows if r["section_id"]}

    @_guarded
    def reextracted(self, content_hash: str, section_ids: set[str]) -> None:
        with self._write() as db:
            db.executemany("UPDATE items SET reextract_pending = 0 WHERE content_hash = ? AND section_id = ?",
                           [(content_hash, s) for s in section_ids])


class _Scrubbing:
    """The store's connection inside a write: text parameters are scrubbed of secrets."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        return self._db.execute(sql, _scrubbed(params))

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> sqlite3.Cursor:
        return self._db.executemany(sql, (_scrubbed(r) for r in rows))


def _scrubbed(params: Sequence[Any]) -> tuple[Any, ...]:
    return tuple(scrub(p) if isinstance(p, str) else p for p in params)


def _read_only(exc: sqlite3.Error) -> bool:
    return (getattr(exc, "sqlite_errorcode", 0) & 0xFF) == sqlite3.SQLITE_READONLY


def _store_error(path: Path, exc: sqlite3.Error) -> ExtractorError:
    if _read_only(exc):
        return ExtractorError(f"cannot write review store {path}: it is read-only")
    return ExtractorError(f"{path}: not a usable review store ({' '.join(str(exc).split())})")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _known_range(item_id: int) -> None:
    """An id SQLite cannot hold (past 64 bits) names no item: say so instead of overflowing."""
    if not -2**63 <= item_id < 2**63:
        raise ReviewError(f"no review item {item_id}")


def _merged(old: Result | None, new: Result) -> Result:
    if old is None:
        return new
    fresh = {s.id for s in new.sections}
    merged = new.model_copy(deep=True)
    merged.sections = [s for s in old.sections if s.id not in fresh] + merged.sections
    merged.records = [r for r in old.records if r.section_id not in fresh] + merged.records
    merged.checks = [c for c in old.checks if c.section_id not in fresh] + merged.checks
    return merged


def _item(row: sqlite3.Row) -> Item:
    try:
        return _parsed_item(row)
    except ValueError as exc:
        raise ValueError(f"item {row['id']}: {_first_line(exc)}") from None


def _parsed_item(row: sqlite3.Row) -> Item:
    return Item(id=row["id"], key=row["key"], content_hash=row["content_hash"], source=row["source"],
                section_id=row["section_id"], rule=row["rule"], severity=row["severity"],
                expression=row["expression"], check=Check.model_validate_json(row["check_json"]),
                passage=row["passage"], passage_start=row["passage_start"], status=row["status"],
                correction=json.loads(row["correction_json"]) if row["correction_json"] else None,
                note=row["note"], decided_by=row["decided_by"], decided_at=row["decided_at"])
