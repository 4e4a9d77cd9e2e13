"""How many hand-read relations the model-free checks reach and judge right (a yardstick, not a test).

    python bench/reader_gold.py GOLD_RELATIONS_JSON REPORT.txt [REPORT.txt …]

For each gold relation of a report (fields: report, kind, expression, holds), a check of the
matching rule *reaches* it when at least two of the numbers the check used occur in the
relation's expression and they are most of the check's numbers (the best such check counts);
it *judges it right* when it passes a relation that holds (or is undecidable, `holds: null`,
checked as ≤) and fails or warns on one that does not. Only the checks that need no model run here: what
`extract --no-model` produces. Prints one line per report and the totals, and any check that flags a relation that holds.
"""
from __future__ import annotations

import json
import re
import sys
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from extractor.document.report import load_document  # noqa: E402
from extractor.extraction.validate import validate_section  # noqa: E402
from extractor.numbers.parse import parse_vn_number  # noqa: E402

_NUMERAL = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?")


def gold_numbers(relation: dict) -> set[Decimal]:
    found = re.findall(r"\d+(?:\.\d+)?", relation["expression"])
    return {Decimal(x).normalize() for x in found}


_RULES = {"sum": {"parts_total", "identity"}, "share_percent": {"share"}, "fraction_percent": {"fraction", "percent_range"},
          "change_percent": {"change", "change_amount"}, "change_abs": {"change", "change_amount"},
          "other": {"plan_consistency", "growth_consistency", "item_count", "whole_base"}}


def check_numbers(check) -> list[set[Decimal]]:
    """Each number the check used, with the forms a relation may write it in (98,8% as 0.988, 1.988)."""
    out = []
    for fig in check.figures:
        fraction = re.match(r"\D*(\d+)/(\d+)", fig.text)
        if fraction:  # "11/12 sản phẩm": both numbers
            out += [{Decimal(n)} for n in fraction.groups()]
            continue
        m = _NUMERAL.search(fig.text)
        if m:
            n = parse_vn_number(m.group())
            forms = {n.normalize()}
            if "%" in fig.text:
                half = Decimal(1).scaleb(-len(m.group().partition(",")[2])) / 2
                forms |= {(n / 100).normalize(), (1 + n / 100).normalize(), (1 - n / 100).normalize(),
                          (n - half).normalize(), (n + half).normalize(), (-n - half).normalize(), (-n + half).normalize()}
            out.append(forms)
    return out


def overlap(relation: dict, check) -> int:
    wanted = gold_numbers(relation)
    numbers = check_numbers(check)
    common = sum(1 for forms in numbers if forms & wanted)
    return common if common >= 2 and 2 * common >= len(numbers) else 0


def best_check(relation: dict, checks: list):
    """The check of the relation's kind that shares most numbers with it (None: not reached)."""
    scored = [(overlap(relation, c), c) for c in checks if c.rule in _RULES[relation["kind"]]]
    scored = [sc for sc in scored if sc[0]]
    return max(scored, key=lambda sc: sc[0])[1] if scored else None


def right(relation: dict, check) -> bool:
    if relation["holds"] is False:
        return check.status in ("fail", "warn")
    return check.status == "pass"


def main(gold_path: str, reports: list[str]) -> None:
    gold = json.loads(Path(gold_path).read_text(encoding="utf-8"))
    totals = [0, 0, 0, 0, 0, 0]
    for report in reports:
        doc = load_document(report)
        checks = [c for sec in doc.sections for c in validate_section(doc, sec.id, [])
                  if c.category == "source"]
        relations = [r for r in gold if r["report"] == Path(report).name]
        reached = judged = errors = caught = 0
        matched: dict[str, list[dict]] = {}
        for rel in relations:
            check = best_check(rel, checks)
            if check is not None:
                matched.setdefault(check.key, []).append(rel)
            reached += check is not None
            judged += check is not None and right(rel, check)
            if rel["holds"] is False:
                errors += 1
                caught += check is not None and check.status in ("fail", "warn")
        flagged = [c for c in checks if c.status in ("fail", "warn")]
        false_flags = [c for c in flagged if any(r["holds"] is not False for r in matched.get(c.key, []))]
        print(f"{Path(report).name}: {len(checks)} checks, {len(relations)} relations, reached {reached}, "
              f"judged right {judged}, source errors caught {caught}/{errors}, flags {len(flagged)} "
              f"(on a relation that holds: {len(false_flags)}; on none of the relations: "
              f"{sum(1 for c in flagged if c.key not in matched)})")
        for c in false_flags:
            print(f"    false flag: {c.rule} {c.expression}")
        for n, value in enumerate((len(checks), len(relations), reached, judged, caught, errors)):
            totals[n] += value
    print(f"total: {totals[0]} checks, relations {totals[1]}, reached {totals[2]}, judged right {totals[3]}, "
          f"source errors caught {totals[4]}/{totals[5]}")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2:])
