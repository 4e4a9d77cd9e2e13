"""A piece the model is asked about lists only the figures the reader leaves open (`Chunk.focus`,
set by the engine's plan), on the sample reports' own text."""
from __future__ import annotations

import re
from typing import Any

import pytest
from pydantic import BaseModel

from extractor.document.report import Document
from extractor.extraction.chunking import Chunk, split_chunk
from extractor.extraction.engine import Extractor, Job
from extractor.extraction.prompting import render_messages
from extractor.extraction.records import FigureResolver, build_records
from extractor.kinds import reply_model
from extractor.llm.client import TruncatedReply, Usage


def asked_piece(doc: Document, section: str, words: str, *, ask_all: bool = False) -> Chunk:
    jobs = Extractor(None, model="m", mode="json", ask_all=ask_all).plan(doc, [section])
    return next(c for j in jobs for c in j.chunks if words in c.text)


def listed_in_prompt(kind: str, chunk: Chunk) -> tuple[str, list[tuple[str, str]]]:
    user = render_messages(kind, chunk)[1]["content"]
    return user, re.findall(r"^(n\d+) = (.+)$", user, re.M)


ENTERPRISES = "có 859 chi nhánh"  # II.1.5: eight figures, the reader names every one but "859 chi nhánh"


def test_an_asked_piece_lists_only_what_the_reader_leaves_open(report_2026: Document) -> None:
    focused = asked_piece(report_2026, "II.1.5", ENTERPRISES)
    user, listed = listed_in_prompt("economy", focused)
    assert listed == [("n1", "859")]
    assert "Figures to label (the text's other numbers are already read: leave them out):" in user
    assert "115 doanh nghiệp" in user  # the text itself is whole: the model reads the sentence around 859

    every = asked_piece(report_2026, "II.1.5", ENTERPRISES, ask_all=True)
    user, listed = listed_in_prompt("economy", every)
    assert [text for _, text in listed] == ["115 doanh nghiệp", "64,3%", "533 tỷ đồng", "6.132 doanh nghiệp",
                                           "69.390 tỷ đồng", "859", "04 hợp tác xã", "2,5 tỷ đồng"]
    assert "Figures in the text:" in user and "already read" not in user


def test_a_piece_whose_every_figure_is_open_is_asked_as_before(report_2026: Document) -> None:
    """Same prompt as with --ask-all, so the recorded cassettes (asked with --ask-all) still hold."""
    words = "11/12 sản phẩm"  # II.1.3: its only figure is read with no name
    focused = asked_piece(report_2026, "II.1.3", words)
    assert focused.focus is None
    assert render_messages("economy", focused) == render_messages("economy", asked_piece(report_2026, "II.1.3", words,
                                                                                         ask_all=True))


def test_a_settled_figure_has_no_id_but_its_printed_number_still_grounds(report_2026: Document) -> None:
    resolver = FigureResolver(asked_piece(report_2026, "II.1.5", ENTERPRISES))
    assert resolver.resolve("n1").mention.text == "859"
    with pytest.raises(ValueError, match="not one of the listed figures"):
        resolver.resolve("n2")
    # A model that links a settled figure by its number is grounded; `reconcile` then keeps the
    # reader's reading of it.
    assert resolver.resolve("115 doanh nghiệp").mention.text == "115 doanh nghiệp"
    assert resolver.ids_for(["not a figure reference"]) is None


class CutOffOnce:
    """A model whose reply to the whole piece runs past the token limit; it answers its halves
    with no record. Keeps what it was asked."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def complete(self, response_model: type[BaseModel], messages: list[dict[str, str]],
                 context: dict[str, Any] | None = None) -> tuple[BaseModel, Usage]:
        self.asked.append(messages[1]["content"])
        if len(self.asked) == 1:
            raise TruncatedReply("cut off at the token limit", Usage(requests=1))
        return response_model(), Usage(requests=1)


def test_a_cut_off_piece_asks_only_the_half_that_holds_its_open_figures(report_2026: Document) -> None:
    piece = asked_piece(report_2026, "II.1.5", ENTERPRISES)
    halves = split_chunk(report_2026, piece)
    assert [[fig.mention.text for _, fig in h.listed()] for h in halves] == [[], ["859"]]
    assert [len(h.figures) for h in halves] == [4, 4]  # each half keeps its own figures for the grounding

    model = CutOffOnce()
    engine = Extractor(model, model="m", mode="json")
    job = engine.plan(report_2026, ["II.1.5"])[0]
    engine.run(report_2026, [Job(job.section, job.kind, [c for c in job.chunks if c.id == piece.id])])
    assert len(model.asked) == 2  # the whole piece, then only the half with "859"
    assert "n1 = 859" in model.asked[1] and "04 hợp tác xã" in model.asked[1] and "115 doanh nghiệp" not in model.asked[1]


def test_a_figure_a_reply_gives_twice_at_one_level_is_kept_in_neither_place(report_2026: Document) -> None:
    """The embedded model's reply to the 2026 report's footnote 7 (households and people helped
    at Tết and between harvests), shown its four open figures: each count of people put in two
    parts at once. Neither part stands; the totals, each given once, do."""
    piece = asked_piece(report_2026, "II.2", "12.784 nhân khẩu")
    assert [fig.mention.text for _, fig in piece.listed()] == ["3.882 hộ", "12.784 nhân khẩu", "4.118 hộ", "13.971 nhân khẩu"]
    reply = reply_model("culture_society").model_validate({"indicators": [
        {"name": "Hỗ trợ dịp Tết Nguyên đán Bính Ngọ năm 2026", "value": "n1",
         "parts": [{"name": "3.882 hộ", "value": "n2"}, {"name": "12.784 nhân khẩu", "value": "n2"}], "parts_complete": True},
        {"name": "Hỗ trợ thời điểm giáp hạt đầu năm 2026", "value": "n3",
         "parts": [{"name": "4.118 hộ", "value": "n4"}, {"name": "13.971 nhân khẩu", "value": "n4"}], "parts_complete": True}]})
    records = build_records(report_2026, piece, "culture_society", reply)
    assert [(r.figures["value"].text, r.parts) for r in records] == [("3.882 hộ", []), ("4.118 hộ", [])]
    assert all("more than one place" in r.issues[-1].problem for r in records)

    # a figure that is one record's own and a part of another is a hierarchy: it stays in both
    nested = reply_model("culture_society").model_validate({"indicators": [
        {"name": "hộ", "value": "n1", "parts": [{"name": "hộ giáp hạt", "value": "n3"}]},
        {"name": "giáp hạt", "value": "n3", "parts": [{"name": "nhân khẩu", "value": "n4"}]}]})
    records = build_records(report_2026, piece, "culture_society", nested)
    assert [[p.figures["value"].text for p in r.parts] for r in records] == [["4.118 hộ"], ["13.971 nhân khẩu"]]


def test_a_figure_given_for_two_fields_of_one_record_is_kept_in_neither(report_2024: Document) -> None:
    """No re-ask (the small model failed the re-ask of such a reply too): the figure is left open."""
    piece = asked_piece(report_2024, "II.6", "66 vụ, 76 đối tượng")
    reply = reply_model("security").model_validate({"incidents": [
        {"name": "tội phạm về ma túy", "cases": "66 vụ", "cases_change": "66 vụ"},
        {"name": "mại dâm", "cases": "01 vụ", "deaths": None}]})
    records = build_records(report_2024, piece, "security", reply)
    assert [(r.name, {k: f.text for k, f in r.figures.items()}) for r in records] == [("mại dâm", {"cases": "01 vụ"})]
