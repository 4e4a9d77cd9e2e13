"""Read a report file into text: .txt (encoding detected), .docx, .pdf (text layer).

Every problem with the input is an `InputError` with a one-line message naming the file.
"""
from __future__ import annotations

import glob
import logging
import os
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError

MAX_BYTES = 20 * 1024 * 1024
_TEXT_EXT = {".txt", ".text", ".md"}
# Letters only Vietnamese uses; a cp1258 decoding of real Vietnamese is full of them.
_VIET = set("ăâđêôơưĂÂĐÊÔƠƯ") | {chr(c) for c in range(0x300, 0x324)}


@dataclass(frozen=True)
class Source:
    path: Path
    format: str
    encoding: str | None
    text: str


REPORT_SUFFIXES = (".txt", ".docx", ".pdf")


def report_files(paths: list[Path], recursive: bool = False) -> list[Path]:
    """The files to read: each file as given, each folder as its reports (.txt, .docx, .pdf;
    its subfolders too if `recursive`), in name order; a path that does not exist but holds
    * ? or [ is a glob pattern ('reports/**/*.txt', as given quoted to the shell)."""
    files: list[Path] = []
    for p in paths:
        if not p.exists() and any(c in str(p) for c in "*?["):
            matched = sorted(Path(m) for m in glob.glob(str(p), recursive=True)
                             if Path(m).is_file() and Path(m).suffix.lower() in REPORT_SUFFIXES)
            if not matched:
                raise InputError(f"{p}: no {', '.join(REPORT_SUFFIXES)} report matches this pattern")
            files.extend(matched)
            continue
        if not p.is_dir():
            files.append(p)
            continue
        found = sorted(f for f in (p.rglob("*") if recursive else p.iterdir())
                       if f.is_file() and f.suffix.lower() in REPORT_SUFFIXES
                       and not any(part.startswith(".") for part in f.relative_to(p).parts))
        if not found:
            raise InputError(f"{p}: no {', '.join(REPORT_SUFFIXES)} report in this folder"
                             + ("" if recursive else " (--recursive enters its subfolders)"))
        files.extend(found)
    return files


def read_source(path: str | os.PathLike[str], max_bytes: int = MAX_BYTES) -> Source:
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise InputError(f"{p}: no such file") from None
    except OSError as exc:
        raise InputError(f"{p}: cannot read ({exc.strerror})") from None
    if p.is_dir():
        raise InputError(f"{p}: is a directory, not a report file")
    if not stat.S_ISREG(st.st_mode):  # a device (/dev/zero never ends) or a pipe (blocks until written)
        raise InputError(f"{p}: not a regular file")
    if st.st_size > max_bytes:
        raise InputError(f"{p}: {st.st_size / 2**20:.1f} MB is over the {max_bytes / 2**20:.0f} MB limit for one report")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(f"{p}: cannot read ({exc.strerror})") from None
    fmt = _format(p, data)
    text = {"pdf": _pdf_text, "docx": _docx_text}.get(fmt)
    if text is not None:
        result = text(p, data)
        encoding = None
    else:
        result, encoding = decode_text(p, data)
    if not result.strip():
        raise InputError(f"{p}: is empty" if fmt == "txt" else f"{p}: has no text")
    return Source(p, fmt, encoding, result)


def _format(p: Path, data: bytes) -> str:
    ext = p.suffix.lower()
    if ext == ".pdf" or (ext not in _TEXT_EXT and data.startswith(b"%PDF-")):
        return "pdf"
    if ext == ".docx" or (ext not in _TEXT_EXT and data.startswith(b"PK\x03\x04")):
        return "docx"
    return "txt"


def decode_text(p: Path, data: bytes) -> tuple[str, str]:
    """Detect the encoding: BOMs, UTF-16 without BOM, strict UTF-8, then cp1258 if it reads as Vietnamese."""
    if not data.strip():
        raise InputError(f"{p}: is empty")
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            return _decode(p, data, codec), "utf-8-sig" if codec == "utf-8-sig" else \
                ("utf-16-le" if bom == b"\xff\xfe" else "utf-16-be")
    if b"\x00" in data:
        utf16 = _utf16_without_bom(data)
        if utf16 is None:
            raise InputError(f"{p}: looks like a binary file, not a text report")
        return _decode(p, data, utf16), utf16
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None:
        _reject_binary(p, text)
        return text, "utf-8"
    try:
        text = data.decode("cp1258")
    except UnicodeDecodeError:
        text = None
    high = [ch for ch in (text or "") if ord(ch) >= 0x80]
    if text is not None and high and sum(ch in _VIET for ch in high) / len(high) > 0.5:
        _reject_binary(p, text)
        return text, "cp1258"
    raise InputError(f"{p}: unknown text encoding (not UTF-8, UTF-16 or Windows-1258); save it as UTF-8")


def _utf16_without_bom(data: bytes) -> str | None:
    even, odd = data[0::2], data[1::2]
    if len(data) % 2 == 0:
        if odd.count(0) > 0.3 * len(odd) and even.count(0) < 0.05 * len(even):
            return "utf-16-le"
        if even.count(0) > 0.3 * len(even) and odd.count(0) < 0.05 * len(odd):
            return "utf-16-be"
    return None


def _decode(p: Path, data: bytes, codec: str) -> str:
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        raise InputError(f"{p}: is not valid {codec} text") from None
    _reject_binary(p, text)
    return text


def _reject_binary(p: Path, text: str) -> None:
    sample = text[:4096]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t\f\v")
    if controls > max(2, len(sample) // 50):
        raise InputError(f"{p}: looks like a binary file, not a text report")


def _docx_text(p: Path, data: bytes) -> str:
    """Paragraphs and tables in document order; a table row is one line, cells joined by " | ".

    A footnote reference becomes its number glued to the text, as in a PDF ("khá3."), and the
    footnotes a paragraph (or table) cites follow it under a separator line, one line each ("3 Trong
    đó: …"): the layout pass reads them as it reads a page foot.
    """
    import docx
    from docx.oxml.ns import qn

    try:
        document = docx.Document(str(p))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise InputError(f"{p}: not a valid Word .docx file ({exc.__class__.__name__})") from None
    except Exception as exc:  # python-docx raises PackageNotFoundError and lxml errors for odd zips
        raise InputError(f"{p}: not a valid Word .docx file ({exc.__class__.__name__})") from None
    notes = _docx_footnotes(p, document)
    cited: list[str] = []   # the footnote texts, numbered in the order they are cited

    def read(element: Any) -> str:
        """The text of a paragraph or table cell, each footnote reference as its number."""
        text: list[str] = []
        for el in element.iter(qn("w:t"), qn("w:footnoteReference")):
            if el.tag == qn("w:t"):
                text.append(el.text or "")
            elif el.get(qn("w:id")) in notes:
                cited.append(notes[el.get(qn("w:id"))])
                text.append(str(len(cited)))
        return "".join(text)

    lines: list[str] = []
    for child in document.element.body.iterchildren():
        rows = []
        before = len(cited)
        if child.tag == qn("w:p"):
            rows = [read(child)]
        elif child.tag == qn("w:tbl"):
            rows = [" | ".join(read(cell).strip() for cell in row.iter(qn("w:tc"))) for row in child.iter(qn("w:tr"))]
        lines += rows
        if len(cited) > before:
            lines += [_DOCX_RULE, *(f"{n} {cited[n - 1]}" for n in range(before + 1, len(cited) + 1))]
    return "\n".join(lines)


_DOCX_RULE = "_" * 20


def _docx_footnotes(p: Path, document: Any) -> dict[str, str]:
    """Footnote id -> its text (paragraphs joined), from word/footnotes.xml; python-docx does
    not expose footnotes. Word's separator pseudo-footnotes are left out."""
    from docx.opc.constants import RELATIONSHIP_TYPE as RT
    from docx.oxml.ns import qn
    from lxml import etree

    part = next((rel.target_part for rel in document.part.rels.values()
                 if rel.reltype == RT.FOOTNOTES and not rel.is_external), None)
    if part is None:
        return {}
    try:
        root = etree.fromstring(part.blob)
    except etree.XMLSyntaxError:
        raise InputError(f"{p}: not a valid Word .docx file (damaged footnotes)") from None
    notes = {}
    for note in root.iter(qn("w:footnote")):
        if note.get(qn("w:type")) in ("separator", "continuationSeparator", "continuationNotice"):
            continue
        paragraphs = ["".join(t.text or "" for t in par.iter(qn("w:t"))) for par in note.iter(qn("w:p"))]
        notes[note.get(qn("w:id"))] = " ".join(" ".join(paragraphs).split())
    return notes


def _pdf_text(p: Path, data: bytes) -> str:
    import pypdf

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = pypdf.PdfReader(str(p))
        pages = [page.extract_text() or "" for page in reader.pages]
    except Exception as exc:  # pypdf raises many error types for damaged files
        raise InputError(f"{p}: not a readable PDF ({exc.__class__.__name__})") from None
    text = "\n".join(pages)
    if not text.strip():
        raise InputError(f"{p}: the PDF has no text layer (a scan?); run OCR first, e.g. `ocrmypdf in.pdf out.pdf`")
    return text
