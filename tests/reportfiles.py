"""Build small .docx and .pdf reports, laid out like the real ones, from a parsed sample text.

The tests read them back and expect the tree and footnotes of the text they came from. Built at
test time: no binary fixture is committed.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from fpdf import FPDF

from extractor.document.report import Document
from extractor.document.text import collapse_ws
from extractor.document.view import build_view, subtract

FONT = Path(__file__).parent / "fixtures" / "fonts" / "DejaVuSans.ttf"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
FOOTNOTES_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"


@dataclass
class Paragraph:
    text: str
    markers: list[tuple[int, int, int]]   # (start, end, footnote number) in `text`


def paragraphs(doc: Document, last_section: str) -> tuple[list[Paragraph], dict[int, str]]:
    """The report up to `last_section`: each heading, then its own body as one paragraph with
    its footnote markers; and the text of the footnotes those paragraphs cite."""
    out: list[Paragraph] = []
    cited: dict[int, str] = {}
    for sec in doc.sections:
        out.append(Paragraph(collapse_ws(doc.text[sec.heading_start:sec.start]), []))
        view = build_view(doc.text, subtract((sec.start, sec.own_end), doc.layout.excluded()))
        if view.text:
            where = {off: i for i, off in enumerate(view.offsets)}
            markers = [(where[fn.marker[0]], where[fn.marker[1] - 1] + 1, fn.number) for fn in doc.footnotes
                       if fn.marker and fn.marker[0] in where]
            cited.update({n: doc.footnotes[n - 1].text for _, _, n in markers})
            out.append(Paragraph(view.text, markers))
        if sec.id == last_section:
            return out, cited
    raise KeyError(last_section)


def write_docx(path: Path, paras: list[Paragraph], notes: dict[int, str]) -> None:
    """A .docx whose footnotes are real Word footnotes (word/footnotes.xml, footnoteReference)."""
    d = docx.Document()
    for para in paras:
        p = d.add_paragraph()
        pos = 0
        for start, end, number in para.markers:
            p.add_run(para.text[pos:start])
            run = OxmlElement("w:r")
            ref = OxmlElement("w:footnoteReference")
            ref.set(qn("w:id"), str(number + 1))   # ids need not be the printed numbers
            run.append(ref)
            p._p.append(run)
            pos = end
        p.add_run(para.text[pos:])
    body = "".join(
        f'<w:footnote w:id="{number + 1}"><w:p><w:r><w:footnoteRef/></w:r>'
        + "".join(f'<w:r><w:t xml:space="preserve">{_xml(piece)}</w:t></w:r>' for piece in _halves(" " + text))
        + "</w:p></w:footnote>" for number, text in notes.items())
    xml = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:footnotes xmlns:w="{W_NS}">'
           '<w:footnote w:type="separator" w:id="0"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
           '<w:footnote w:type="continuationSeparator" w:id="1"><w:p><w:r><w:continuationSeparator/></w:r>'
           f'</w:p></w:footnote>{body}</w:footnotes>')
    part = Part(PackURI("/word/footnotes.xml"), FOOTNOTES_CT, xml.encode("utf-8"), d.part.package)
    d.part.relate_to(part, RT.FOOTNOTES)
    d.save(str(path))


def _halves(text: str) -> list[str]:
    cut = text.find(" ", len(text) // 2)
    return [text[:cut], text[cut:]] if cut > 0 else [text]


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def write_pdf(path: Path, paras: list[Paragraph], notes: dict[int, str], lines_per_page: int = 36,
              note_size: float = 9) -> None:
    """A text-layer PDF like the real reports: body in 13 pt, each page's footnotes (9 pt) at
    its foot under a drawn rule (no text), the page number at the top from page 2."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_font("DejaVu", size=13)
    pdf.add_page()   # measuring text needs a page
    lines: list[tuple[str, list[int]]] = []   # each body line with the footnotes it cites
    for para in paras:
        pos = 0
        for line in pdf.multi_cell(165, 7, para.text, dry_run=True, output="LINES"):
            start = para.text.index(line.strip(), pos) if line.strip() else pos
            end = start + len(line.strip())
            lines.append((line, [n for s, _, n in para.markers if start <= s < end]))
            pos = end
    def foot(cited: list[int]) -> list[str]:
        pdf.set_font("DejaVu", size=note_size)
        return [ln for n in cited for ln in pdf.multi_cell(165, 4.5, f"{n} {notes[n]}", dry_run=True, output="LINES")]

    page, first = 0, 0
    while first < len(lines):
        # As many lines as fit above the footnotes they cite (like a word processor).
        count, cited = 0, []
        while first + count < len(lines) and count < lines_per_page:
            more = cited + lines[first + count][1]
            if 20 + 7 * (count + 1) + 4.5 * len(foot(more)) + 6 > 285 and count:
                break
            count, cited = count + 1, more
        page += 1
        if page > 1:
            pdf.add_page()
            pdf.set_font("DejaVu", size=12)
            pdf.set_xy(20, 10)
            pdf.cell(170, 6, str(page), align="C")
        pdf.set_font("DejaVu", size=13)
        pdf.set_xy(20, 20)
        for line, _ in lines[first:first + count]:
            pdf.set_x(20)
            pdf.cell(165, 7, line, new_x="LMARGIN", new_y="NEXT")
        first += count
        if cited:
            note_lines = foot(cited)
            y = 285 - 4.5 * len(note_lines)
            pdf.line(20, y - 2, 80, y - 2)
            pdf.set_xy(20, y)
            for ln in note_lines:
                pdf.set_x(20)
                pdf.cell(165, 4.5, ln, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
