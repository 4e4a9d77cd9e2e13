"""Which kind of section is which: the one table a domain expert edits.

A kind is a schema module `schemas/<kind>.py` (with a `Reply` model) plus
a template `prompts/<kind>.j2`. Adding a kind = those two files + one row below.
"""
from __future__ import annotations

import importlib
import re
import typing
from dataclasses import dataclass
from types import ModuleType

from pydantic import BaseModel

from .document.report import Document
from .document.sections import Section
from .document.text import fold


@dataclass(frozen=True)
class Rule:
    kind: str
    title: str                      # regex on the folded title (no diacritics, lower case)
    ancestors_only: bool = False    # match the titles above the section, not its own
    doc_type: str | None = None     # regex on the folded document type instead of titles


# First match wins. Rules with ancestors_only are tried first: a directive under "NHIỆM VỤ
# TRỌNG TÂM" stays a directive even if its own text speaks of the budget.
TABLE: list[Rule] = [
    Rule("directives", r"nhiem vu trong tam|phuong huong, nhiem vu", ancestors_only=True),
    Rule("directives", r".", doc_type=r"thong bao ket luan"),
    Rule("budget", r"ngan sach"),
    Rule("admin_reform", r"cai cach hanh chinh"),
    Rule("security", r"quoc phong|an ninh"),
    Rule("direction", r"chi dao,? dieu hanh"),
    Rule("culture_society", r"van hoa|giao duc|y te|lao dong|an sinh"),
    Rule("economy", r"nong|lam nghiep|cong nghiep|thuong mai|dich vu|du lich|dau tu|doanh nghiep|cua khau|kinh te"),
]
DEFAULT_KIND = "general"


def kind_of(doc: Document, section: Section) -> str:
    chain = _ancestors(doc, section)
    doc_type = fold(doc.metadata.doc_type or "")
    for rule in TABLE:
        if rule.doc_type is not None:
            if re.search(rule.doc_type, doc_type) and section.numbering == "arabic" and section.parent is None:
                return rule.kind
        elif rule.ancestors_only and any(re.search(rule.title, fold(s.title)) for s in chain[1:]):
            return rule.kind
    for sec in chain:
        for rule in TABLE:
            if rule.doc_type is None and not rule.ancestors_only and re.search(rule.title, fold(sec.title)):
                return rule.kind
    return DEFAULT_KIND


def _ancestors(doc: Document, section: Section) -> list[Section]:
    chain = [section]
    while chain[-1].parent is not None:
        chain.append(doc.section(chain[-1].parent))
    return chain


def kinds() -> list[str]:
    return sorted({r.kind for r in TABLE} | {DEFAULT_KIND})


def schema_module(kind: str) -> ModuleType:
    return importlib.import_module(f"extractor.schemas.{kind}")


def reply_model(kind: str) -> type[BaseModel]:
    return schema_module(kind).Reply


def reads_text(kind: str) -> bool:
    """Kinds that label text rather than figures read their section whole, figures or not."""
    return getattr(schema_module(kind), "READS", "figures") == "text"


def record_type(default: str, model: type[BaseModel] | None = None) -> str:
    """A record's type: the `RECORD_TYPE` its schema class declares — the item class of a list
    field, which the field names in the plural (`indicators: list[Indicator]` holds "indicator"
    records), or a reply of plain fields (one record about its piece) — else `default`, the name
    of the reply field it came from (`tasks`, `documents`)."""
    declared = getattr(model, "RECORD_TYPE", None)
    return declared if isinstance(declared, str) else default


def record_model(kind: str, rtype: str) -> type[BaseModel] | None:
    """The schema class a record of this kind and type was read with (None if unknown)."""
    if kind not in kinds():
        return None
    for name, info in reply_model(kind).model_fields.items():
        for arg in typing.get_args(info.annotation) or (info.annotation,):
            if isinstance(arg, type) and issubclass(arg, BaseModel) and record_type(name, arg) == rtype:
                return arg
    return None
