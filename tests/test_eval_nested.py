"""Figure roles of a part of a part: the gold names its direct parent ("chi đầu tư phát triển" is a
part of "chi trong cân đối ngân sách địa phương", itself a part of total spending), so the eval
scores it against that part, not against the top record."""
from __future__ import annotations

from extractor.document.report import Document
from extractor.eval.figures import load_figure_gold, score_figures

from .test_eval import FIGURES_2026, record
from .test_reader import at


def test_a_part_of_a_part_is_held_by_its_direct_parent(report_2026: Document) -> None:
    doc = report_2026
    # "Tổng chi ngân sách địa phương ước thực hiện tháng 01/2026 là 809.338 triệu đồng, …, trong đó chi
    # trong cân đối ngân sách địa phương là 809.338 triệu đồng⁴"; footnote 4: "Trong đó chi đầu tư phát
    # triển là 105.000 triệu đồng, …; chi thường xuyên 702.387 triệu đồng, …"
    total = at(doc, "809.338", "ước thực hiện tháng 01/2026 là 809.338")
    balanced = at(doc, "809.338", "ngân sách địa phương là 809.338")
    spending = record(doc, "s", "II.1.6", {"value": total})
    spending.parts = [record(doc, "s.p0", "II.1.6", {"value": balanced},
                             parts=({"value": at(doc, "105.000")}, {"value": at(doc, "702.387")}))]
    score = score_figures(doc, [spending], load_figure_gold(FIGURES_2026), extracted={"II.1.6"})
    assert (score.by_field["part.value"].predicted, score.by_field["part.value"].right) == (3, 3)
    assert score.mistakes == []
