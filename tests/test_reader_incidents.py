"""The reader of security incidents (extractor/reading/incidents.py) on the samples' II.6 and on
sentences another province's report may print: without diacritics, "tử vong", two kinds of
incident in one sentence, the changes listed after the counts, the kind named before the count,
and the near-misses it must leave to the model.

Every expectation was read off the text by hand: offsets are where the printed figure stands
(`at` on a phrase that occurs once), values are the printed numbers.
"""
from __future__ import annotations

from decimal import Decimal

from extractor.document.report import Document, parse_text
from extractor.extraction.settling import why_asked
from extractor.output.figures import all_figures
from extractor.output.result import Record
from extractor.reading.reader import read_section

from .test_reader import at, checks_of

SECURITY = "I. QUỐC PHÒNG, AN NINH\n"


def incidents(doc: Document, section_id: str) -> list[Record]:
    return [r for r in read_section(doc, section_id) if r.type == "incidents"]


def values(rec: Record) -> dict[str, Decimal]:
    return {f: Decimal(v.value) for f, v in rec.figures.items() if v is not None}


def changes(doc: Document, section_id: str) -> list[tuple[str, str]]:
    return [(c.status, c.expression) for c in checks_of(doc, section_id, "change")]


def held_texts(doc: Document, section_id: str, rtype: str) -> set[str]:
    return {" ".join(f.text.split()) for r in read_section(doc, section_id) if r.type == rtype for f in all_figures(r)}


def security(text: str) -> Document:
    return parse_text(SECURITY + text + "\n")


# --- The samples ---------------------------------------------------------------------------------

def test_incidents_of_the_2024_report(report_2024: Document) -> None:
    doc = report_2024
    crime, economy, environment, traffic = incidents(doc, "II.6")
    assert crime.name == "phạm pháp hình sự" and values(crime) == {"cases": 22, "injuries": 9}
    assert crime.figures["injuries"].start == at(doc, "09 người", "làm bị thương 09 người")
    assert economy.name == "vi phạm pháp luật về kinh tế, tham nhũng, chức vụ" and values(economy) == {"cases": 68}
    assert environment.name == "vi phạm pháp luật về môi trường, tài nguyên, an toàn thực phẩm"
    assert values(environment) == {"cases": 38}
    # "xảy ra 36 vụ tai nạn giao thông (tăng 20 vụ so với cùng kỳ, tăng 125%), làm chết 05 người (giảm 05
    # người, giảm 50%), bị thương 35 người (tăng 26 người, tăng 288,9%)."
    assert traffic.name == "tai nạn giao thông" and traffic.labels["source"] == "reader"
    assert values(traffic) == {"cases": 36, "cases_change": 20, "cases_change_percent": 125,
                               "deaths": 5, "deaths_change": 5, "deaths_change_percent": 50,
                               "injuries": 35, "injuries_change": 26, "injuries_change_percent": Decimal("288.9")}
    assert traffic.figures["deaths_change"].start == at(doc, "05 người", "giảm 05 người, giảm 50%")
    assert traffic.figures["injuries"].start == at(doc, "35 người")
    assert {f: traffic.labels[f"{f}_change_direction"] for f in ("cases", "deaths", "injuries")} == {
        "cases": "increase", "deaths": "decrease", "injuries": "increase"}
    assert "change_direction" not in traffic.labels  # the three changes do not go one way
    assert changes(doc, "II.6") == [("pass", "36 tăng 20: base 16, 125,00%, printed tăng 125% ✓"),
                                    ("pass", "5 giảm 5: base 10, -50,00%, printed giảm 50% ✓"),
                                    ("pass", "35 tăng 26: base 9, 288,889%, printed tăng 288,9% ✓")]


def test_what_the_2024_report_leaves_to_the_model(report_2024: Document) -> None:
    doc = report_2024
    # "xảy ra 27 vụ về tệ nạn xã hội, trong đó, … bắt 26 vụ": a total with its part, read as one
    assert [c.expression for c in checks_of(doc, "II.6", "parts_total")] == ["26 = 26 ≤ 27 ✓"]
    # "làm rõ 20 vụ, 51 đối tượng", "66 vụ, 76 đối tượng tội phạm về ma túy": no kind named before the next figure
    left = {at(doc, "20 vụ", "làm rõ 20 vụ"), at(doc, "51 đối tượng"), at(doc, "27 vụ"), at(doc, "26 vụ"),
            at(doc, "66 vụ")}
    assert not left & {f.start for r in incidents(doc, "II.6") for f in all_figures(r)}


def test_incidents_of_the_2026_report(report_2026: Document) -> None:
    doc = report_2026
    crime, fire, traffic = incidents(doc, "II.6")
    # "xảy ra 84 vụ phạm tội về trật tự xã hội, làm 03 người chết, 24 người bị thương, thiệt hại … (tăng 32 vụ so
    # với tháng trước)": a change against the month before is no change vs the same period
    assert crime.name == "phạm tội về trật tự xã hội" and values(crime) == {"cases": 84, "deaths": 3, "injuries": 24}
    assert crime.figures["deaths"].start == at(doc, "03 người", "làm 03 người chết")
    assert fire.name == "cháy" and values(fire) == {"cases": 4}
    assert not {"32 vụ", "03 vụ", "70 vụ"} & held_texts(doc, "II.6", "incidents")
    # "18 vụ tai nạn giao thông, làm chết 03 người, bị thương 19 người; so với cùng kỳ giảm 40 vụ (-69%), giảm 09
    # người chết (-75%), giảm 27 người bị thương (-57,7%)."
    assert traffic.name == "tai nạn giao thông"
    assert values(traffic) == {"cases": 18, "deaths": 3, "injuries": 19,
                               "cases_change": 40, "cases_change_percent": -69,
                               "deaths_change": 9, "deaths_change_percent": -75,
                               "injuries_change": 27, "injuries_change_percent": Decimal("-57.7")}
    assert traffic.figures["deaths_change"].start == at(doc, "09 người chết")
    assert traffic.labels["change_direction"] == "decrease"
    # 27 / (19 + 27) = 58,7%, printed 57,7%: the report's own slip, flagged
    assert changes(doc, "II.6") == [("pass", "18 giảm 40: base 58, -68,97%, printed -69% ✓"),
                                    ("pass", "3 giảm 9: base 12, -75,00%, printed -75% ✓"),
                                    ("fail", "19 giảm 27: base 46, -58,696%, printed -57,7% ✗")]


def test_the_traffic_piece_of_the_2024_report_is_no_longer_asked(report_2024: Document) -> None:
    doc = report_2024
    sentence = [f for f in doc.figures if f.section_id == "II.6"
                and at(doc, "36 vụ") <= f.mention.start <= at(doc, "288,9%")]
    assert len(sentence) == 9
    assert why_asked(doc, "security", sentence, read_section(doc, "II.6")) == []


# --- Paraphrases -----------------------------------------------------------------------------------

def test_without_diacritics_and_changes_listed_after() -> None:
    doc = security("Trong thang, xay ra 12 vu tai nan giao thong, lam chet 04 nguoi, bi thuong 10 nguoi; so voi cung ky "
                   "giam 03 vu (-20%), tang 01 nguoi chet, giam 05 nguoi bi thuong.")
    [traffic] = incidents(doc, "I")
    assert traffic.name == "tai nan giao thong"
    assert values(traffic) == {"cases": 12, "deaths": 4, "injuries": 10, "cases_change": 3,
                               "cases_change_percent": -20, "deaths_change": 1, "injuries_change": 5}
    assert traffic.labels["deaths_change_direction"] == "increase"
    assert traffic.labels["injuries_change_direction"] == "decrease"
    assert changes(doc, "I") == [("pass", "12 giảm 3: base 15, -20,00%, printed -20% ✓")]


def test_two_kinds_in_one_sentence_with_deaths_said_tu_vong() -> None:
    doc = security("Xảy ra 07 vụ cháy, 02 người tử vong (tăng 01 người), thiệt hại khoảng 1,2 tỷ đồng; 15 vụ tai nạn "
                   "giao thông, 06 người tử vong, 11 người bị thương.")
    fire, traffic = incidents(doc, "I")
    assert fire.name == "cháy" and values(fire) == {"cases": 7, "deaths": 2, "deaths_change": 1}
    assert traffic.name == "tai nạn giao thông" and values(traffic) == {"cases": 15, "deaths": 6, "injuries": 11}
    assert "1,2 tỷ đồng" not in held_texts(doc, "I", "incidents")


def test_the_kind_printed_before_the_count() -> None:
    doc = security("Tai nạn giao thông: xảy ra 20 vụ, làm 08 người chết, 14 người bị thương (tăng 04 vụ, tăng 25%).")
    [traffic] = incidents(doc, "I")
    assert traffic.name == "Tai nạn giao thông"
    assert values(traffic) == {"cases": 20, "deaths": 8, "injuries": 14, "cases_change": 4, "cases_change_percent": 25}
    assert changes(doc, "I") == [("pass", "20 tăng 4: base 16, 25,00%, printed tăng 25% ✓")]


def test_a_wrong_percentage_is_flagged() -> None:
    doc = security("Xảy ra 30 vụ tai nạn giao thông (giảm 10 vụ so với cùng kỳ, giảm 20%).")
    [traffic] = incidents(doc, "I")
    assert values(traffic) == {"cases": 30, "cases_change": 10, "cases_change_percent": 20}
    assert changes(doc, "I") == [("fail", "30 giảm 10: base 40, -25,00%, printed giảm 20% ✗")]


# --- Near-misses: left to the model ----------------------------------------------------------------

def test_people_who_are_neither_dead_nor_injured_are_no_field() -> None:
    doc = security("Xảy ra 09 vụ đuối nước, 05 người được cứu sống; phát hiện 14 vụ buôn lậu, bắt 30 người. Xảy ra 10 vụ "
                   "tai nạn lao động, làm chết và bị thương 06 người.")
    drowning, smuggling, work = incidents(doc, "I")
    assert (drowning.name, values(drowning)) == ("đuối nước", {"cases": 9})
    assert (smuggling.name, values(smuggling)) == ("buôn lậu", {"cases": 14})
    assert (work.name, values(work)) == ("tai nạn lao động", {"cases": 10})  # "chết và bị thương 06 người": both
    assert not {"05 người", "30 người", "06 người"} & held_texts(doc, "I", "incidents")
    figures = [f for f in doc.figures if f.section_id == "I"]
    asked = " ".join(why_asked(doc, "security", figures, read_section(doc, "I")))
    assert all(n in asked for n in ("'05 người'", "'30 người'", "'06 người'"))


def test_a_count_whose_kind_is_not_named_is_not_an_incident() -> None:
    doc = security("Đã điều tra, làm rõ 20 vụ, 51 đối tượng; khởi tố 13 vụ, 57 bị can; bắt 01 vụ 05 đối tượng.")
    assert incidents(doc, "I") == []


def test_a_change_against_last_month_is_not_taken() -> None:
    doc = security("Xảy ra 25 vụ cháy (tăng 05 vụ so với tháng trước). Xảy ra 30 vụ tai nạn giao thông (tăng 06 vụ, "
                   "tăng 25% so với tháng trước), làm chết 02 người.")
    fire, traffic = incidents(doc, "I")
    assert values(fire) == {"cases": 25}
    assert values(traffic) == {"cases": 30}  # the reading stops at what it cannot place: the rest is the model's


def test_the_reader_and_the_schema_speak_of_a_change_in_the_same_words(report_2024: Document) -> None:
    """The model's `change_direction` and the reader's are one vocabulary (the checks read
    "decrease"): a security reply saying "giảm" as printed is refused, as an indicator's is."""
    import pytest
    from pydantic import ValidationError

    from schemas.security import Incidents

    directions = {v for r in incidents(report_2024, "II.6") for k, v in r.labels.items() if k.endswith("change_direction")}
    assert directions == {"increase", "decrease"}
    for direction in directions:
        assert Incidents(name="tai nạn giao thông", change_direction=direction).change_direction == direction
    with pytest.raises(ValidationError):
        Incidents(name="tai nạn giao thông", change_direction="giảm")
