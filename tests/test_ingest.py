"""Ingestion of every supported input, and one clear line for every bad one."""
from __future__ import annotations

import subprocess
import sys
import unicodedata
import zipfile
from pathlib import Path

import docx
import pytest
from fpdf import FPDF

from extractor.document.ingest import read_source
from extractor.document.report import load_document
from extractor.errors import InputError

from .conftest import FIXTURES, REPORT_2024, REPORT_2026

FONT = FIXTURES / "fonts" / "DejaVuSans.ttf"
PARAGRAPH = ("I. CẢI CÁCH HÀNH CHÍNH\n"
             "Tiếp nhận 12.450 hồ sơ, đã giải quyết 11.980 hồ sơ, đạt 96,2%; trả kết quả trước hạn 8.105 hồ sơ.\n")


_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def _cp1258(text: str) -> bytes:
    """How Windows-1258 stores Vietnamese: base letters (â, ê, ơ, …) precomposed, tone marks combining."""
    out = []
    for ch in text:
        marks = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in marks if c not in _TONES))
        out.append(base + "".join(c for c in marks if c in _TONES))
    return "".join(out).encode("cp1258")


@pytest.mark.parametrize("codec, bom, expected", [
    ("utf-8", b"", "utf-8"), ("utf-8", b"\xef\xbb\xbf", "utf-8-sig"),
    ("utf-16-le", b"\xff\xfe", "utf-16-le"), ("utf-16-be", b"\xfe\xff", "utf-16-be"),
    ("utf-16-le", b"", "utf-16-le"), ("utf-16-be", b"", "utf-16-be"), ("cp1258", b"", "cp1258"),
])
def test_text_encodings_are_detected(tmp_path: Path, codec: str, bom: bytes, expected: str) -> None:
    path = tmp_path / "report.txt"
    path.write_bytes(bom + (_cp1258(PARAGRAPH) if codec == "cp1258" else PARAGRAPH.encode(codec)))
    src = read_source(path)
    assert src.encoding == expected
    doc = load_document(path)
    assert doc.text == PARAGRAPH  # NFC whatever the input form
    assert [f.mention.text for f in doc.figures] == ["12.450 hồ sơ", "11.980 hồ sơ", "96,2%", "8.105 hồ sơ"]


def test_offsets_map_back_to_the_decomposed_original(tmp_path: Path) -> None:
    path = tmp_path / "nfd.txt"
    original = unicodedata.normalize("NFD", REPORT_2026.read_text(encoding="utf-8"))
    path.write_text(original, encoding="utf-8")
    doc = load_document(path)
    for fig in doc.figures[::25]:
        a, b = doc.normalized.span_to_original(fig.mention.start, fig.mention.end)
        assert unicodedata.normalize("NFC", original[a:b]) == fig.mention.text


def test_docx_paragraphs_and_table_rows_in_order(tmp_path: Path) -> None:
    d = docx.Document()
    d.add_paragraph("I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH")
    d.add_paragraph("Trong tháng, UBND tỉnh ban hành 120 văn bản chỉ đạo.")
    table = d.add_table(rows=2, cols=3)
    for row, cells in zip(table.rows, [("Chỉ tiêu", "Tháng 01", "So cùng kỳ (%)"), ("Thu ngân sách", "2.828,46", "121,15")]):
        for cell, value in zip(row.cells, cells):
            cell.text = value
    d.add_paragraph("II. TÌNH HÌNH KINH TẾ - XÃ HỘI")
    path = tmp_path / "report.docx"
    d.save(str(path))
    doc = load_document(path)
    assert doc.text.splitlines()[2:4] == ["Chỉ tiêu | Tháng 01 | So cùng kỳ (%)", "Thu ngân sách | 2.828,46 | 121,15"]
    assert [s.id for s in doc.sections] == ["I", "II"]
    assert "2.828,46" in [f.mention.text for f in doc.figures]


def test_pdf_text_layer(tmp_path: Path) -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_font("DejaVu", size=11)
    for line in ["I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH", "Giải quyết 11.980 hồ sơ, đạt 96,2%.", "II. TÌNH HÌNH KINH TẾ"]:
        pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    path = tmp_path / "report.pdf"
    pdf.output(str(path))
    doc = load_document(path)
    assert doc.source is not None and doc.source.format == "pdf"
    assert [s.id for s in doc.sections] == ["I", "II"]
    assert [f.mention.text for f in doc.figures] == ["11.980 hồ sơ", "96,2%"]


def _scan_pdf(path: Path) -> None:
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 50, style="F")  # drawn, no text
    pdf.output(str(path))


def _bad_inputs(tmp: Path) -> dict[str, tuple[Path, str]]:
    (tmp / "empty.txt").write_bytes(b"")
    (tmp / "blank.txt").write_text("  \n\n ", encoding="utf-8")
    (tmp / "binary.txt").write_bytes(bytes(range(256)) * 40)
    (tmp / "latin.txt").write_bytes("Ð¾ÿ þ ß ¤ ¶ ½ ¼ ×".encode("latin-1") * 30 + b"\x81\x8d\x8f")
    _scan_pdf(tmp / "scan.pdf")
    (tmp / "broken.pdf").write_bytes(b"%PDF-1.4\n garbage")
    with zipfile.ZipFile(tmp / "fake.docx", "w") as z:
        z.writestr("hello.txt", "not a word document")
    (tmp / "folder").mkdir()
    big = tmp / "big.txt"
    with big.open("wb") as f:
        f.truncate(50 * 1024 * 1024)  # sparse: refused by its size before anything is read
    return {
        "empty": (tmp / "empty.txt", "is empty"), "blank": (tmp / "blank.txt", "is empty"),
        "binary": (tmp / "binary.txt", "binary"), "unknown encoding": (tmp / "latin.txt", "unknown text encoding"),
        "scan": (tmp / "scan.pdf", "no text layer"), "broken pdf": (tmp / "broken.pdf", "not a readable PDF"),
        "fake docx": (tmp / "fake.docx", "not a valid Word .docx"), "directory": (tmp / "folder", "is a directory"),
        "missing": (tmp / "missing.txt", "no such file"), "oversize": (big, "over the 20 MB limit"),
    }


def test_bad_inputs_raise_one_clear_error(tmp_path: Path) -> None:
    for name, (path, message) in _bad_inputs(tmp_path).items():
        with pytest.raises(InputError) as err:
            read_source(path)
        text = str(err.value)
        assert message in text and str(path) in text and "\n" not in text, name


def test_cli_reports_bad_input_in_one_line(tmp_path: Path) -> None:
    for name, (path, message) in _bad_inputs(tmp_path).items():
        run = subprocess.run([sys.executable, "-m", "extractor", "sections", str(path)],
                             capture_output=True, text=True, timeout=60)
        assert run.returncode == 2, name
        assert run.stdout == "" and run.stderr.count("\n") == 1 and message in run.stderr, (name, run.stderr)
        assert "Traceback" not in run.stderr


def test_devices_and_pipes_are_refused_without_reading(tmp_path: Path) -> None:
    import os
    fifo = tmp_path / "report.txt"
    os.mkfifo(fifo)  # reading it would block until someone writes
    for path in (Path("/dev/zero"), fifo):
        with pytest.raises(InputError, match="not a regular file"):
            read_source(path)
        run = subprocess.run([sys.executable, "-m", "extractor", "sections", str(path)],
                             capture_output=True, text=True, timeout=60)
        assert run.returncode == 2 and run.stdout == "", path
        assert run.stderr == f"error: {path}: not a regular file\n"


@pytest.mark.parametrize("report, fmt, note_size, lines_per_page", [
    (REPORT_2026, "docx", None, None), (REPORT_2026, "pdf", 9, 36), (REPORT_2026, "pdf", 13, 29),
    (REPORT_2024, "docx", None, None), (REPORT_2024, "pdf", 9, 32), (REPORT_2024, "pdf", 13, 24)])
def test_docx_and_pdf_of_a_report_give_the_tree_and_footnotes_of_its_text(
        tmp_path: Path, report: Path, fmt: str, note_size: float | None, lines_per_page: int | None) -> None:
    """A .docx with real Word footnotes and a text-layer PDF laid out like the real reports
    (footnotes at the page foot under a drawn rule, in a smaller font or not, page numbers at
    the top), made from a report's sections I to II.7, read back as the text reads."""
    from .reportfiles import paragraphs, write_docx, write_pdf

    reference = load_document(report)
    paras, notes = paragraphs(reference, "II.7")
    expected = reference.sections[:[s.id for s in reference.sections].index("II.7") + 1]
    assert [s.id for s in expected][-7:] == ["II.1.6", "II.2", "II.3", "II.4", "II.5", "II.6", "II.7"]
    assert sorted(notes) == [fn.number for fn in reference.footnotes] and len(notes) >= 10
    path = tmp_path / f"report.{fmt}"
    if fmt == "docx":
        write_docx(path, paras, notes)
    else:
        write_pdf(path, paras, notes, lines_per_page=lines_per_page, note_size=note_size)
    doc = load_document(path)
    assert [s.id for s in doc.sections] == [s.id for s in expected]
    assert [s.title for s in doc.sections] == [s.title for s in expected]
    assert [(fn.number, fn.text, fn.section_id) for fn in doc.footnotes] == \
        [(fn.number, fn.text, fn.section_id) for fn in reference.footnotes]
    for fn in doc.footnotes:
        assert doc.text[fn.marker[0]:fn.marker[1]] == str(fn.number)
    assert doc.metadata.warnings == []
    # Every section reads the same: page numbers and footnotes out, paragraphs joined again.
    for got, ref in zip(doc.sections, expected):
        assert doc.section_view(got).text == reference.section_view(ref).text, got.id
