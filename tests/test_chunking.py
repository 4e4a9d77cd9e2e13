"""Sections cut into small pieces, the kind table, and the prompts rendered from them."""
from __future__ import annotations

import re

from extractor.document.report import Document
from extractor.extraction.chunking import LIMIT, chunk_section
from extractor.extraction.prompting import render_messages, template_versions
from extractor.kinds import kind_of


def test_budget_section_is_cut_into_small_pieces_with_list_context(report_2026: Document) -> None:
    chunks = chunk_section(report_2026, report_2026.section("II.1.6"))
    body = [c for c in chunks if "#fn" not in c.id]
    assert len(body) >= 3 and all(len(c.text) <= LIMIT for c in body)
    first = body[0]
    assert first.text.startswith("Tổng thu ngân sách nhà nước trên địa bàn")
    # The pieces after "…, trong đó:" carry the clause that opened the list, with its figures.
    later = [c for c in body if "2.043,61 tỷ đồng" in c.text][0]
    assert later.context.startswith("Tổng thu ngân sách") and later.context.rstrip().endswith("trong đó:")
    assert "2.828,46 tỷ đồng" in [f.mention.text for f in later.context_figures]
    # No number is cut: every figure of the section body sits whole in one piece.
    for fig in (f for f in report_2026.figures if f.section_id == "II.1.6" and f.footnote is None):
        assert sum(c.span[0] <= fig.mention.start and fig.mention.end <= c.span[1] for c in body) == 1


def test_footnotes_are_pieces_of_their_section_with_the_citing_sentence(report_2026: Document) -> None:
    chunks = chunk_section(report_2026, report_2026.section("II.1.6"))
    fn = [c for c in chunks if c.id == "II.1.6#fn4"][0]
    assert fn.text.startswith("Trong đó chi đầu tư phát triển là 105.000 triệu đồng")
    assert "809.338 triệu đồng" in fn.context
    assert [f.mention.text for f in fn.figures][:2] == ["105.000 triệu đồng", "6,1%"]


def test_kind_table(report_2026: Document, notice: Document) -> None:
    kinds = {s.id: kind_of(report_2026, s) for s in report_2026.sections}
    assert kinds["I"] == "direction"
    assert kinds["II.1.1"] == "economy" and kinds["II.1.2"] == "economy"
    assert kinds["II.1.6"] == "budget"
    assert kinds["II.2"] == "culture_society"
    assert kinds["II.6"] == "security"
    assert kinds["II.7"] == "admin_reform"
    # A key task speaking of the budget is still a directive.
    assert kinds["III.7"] == "directives" and "ngân sách" in report_2026.section("III.7").title
    assert {kind_of(notice, s) for s in notice.sections if s.id != "preamble"} == {"directives"}


def test_prompt_lists_figures_and_has_versions(report_2026: Document) -> None:
    chunk = chunk_section(report_2026, report_2026.section("I"))[-1]
    messages = render_messages("direction", chunk)
    assert [m["role"] for m in messages] == ["system", "user"]
    user = messages[1]["content"]
    assert "I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH" in user and chunk.text in user
    listed = re.findall(r"^(n\d+) = (.+)$", user, re.M)
    assert ("n1", chunk.figures[0].mention.text) == listed[0]
    assert template_versions("direction") == {"system.j2": "1", "section.j2": "2", "direction.j2": "2"}
