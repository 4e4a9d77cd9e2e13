from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from extractor.document.report import Document, load_document

FIXTURES = Path(__file__).parent / "fixtures"
REPORT_2026 = FIXTURES / "lang-son-2026-01-report.txt"
REPORT_2024 = FIXTURES / "lang-son-2024-01-report.txt"
NOTICE_OCR = FIXTURES / "lang-son-2026-01-conclusion-notice-ocr.txt"
FUZZ_CASES: Counter[str] = Counter()  # filled by tests/test_fuzz_cli.py, reported at the end of the run


@pytest.fixture(scope="session")
def report_2026() -> Document:
    return load_document(REPORT_2026)


@pytest.fixture(scope="session")
def report_2024() -> Document:
    return load_document(REPORT_2024)


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The review store real runs leave (tests/reviewdata.py), built once: tests take copies."""
    from .reviewdata import build_store  # imported here: reviewdata takes the report paths from this module

    return build_store(tmp_path_factory.mktemp("review"))[0]


@pytest.fixture
def store_path(built: Path, tmp_path: Path) -> Path:
    """A copy of the built review store for one test: decisions do not leak between tests."""
    from .reviewdata import store_copy

    return store_copy(built, tmp_path / "review.sqlite3")


@pytest.fixture(scope="session")
def notice() -> Document:
    return load_document(NOTICE_OCR)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line each for the suites whose size is a figure: the fuzz cases run, and the pass
    rate of the layout metamorphic suite (perturbation × report)."""
    if FUZZ_CASES:
        cases = sum(v for k, v in FUZZ_CASES.items() if k != "cli runs")
        detail = ", ".join(f"{k} {v}" for k, v in sorted(FUZZ_CASES.items()) if k != "cli runs")
        terminalreporter.write_line(f"{cases} fuzz cases ran ({detail}; {FUZZ_CASES['cli runs']} CLI runs)")

    def count(kind: str) -> int:
        return sum(1 for r in terminalreporter.stats.get(kind, [])
                   if getattr(r, "when", "call") == "call" and "test_layout_perturbation_keeps_the_tree" in r.nodeid)
    passed, failed = count("passed"), count("failed")
    if passed + failed:
        terminalreporter.write_line(f"layout metamorphic: {passed}/{passed + failed} passed")
