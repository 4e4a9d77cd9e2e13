"""`review` commands with arguments no one should give but someone will: each is one line and
exit code 2 (or done, shown on one line), never a traceback."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from extractor.review.store import ReviewStore


def extractor(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "extractor", *args], capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "200"}, timeout=60)


@pytest.mark.parametrize("port", ["99999", "-1", "0", "65536"])
def test_a_port_out_of_range_is_refused_in_one_message(store_path: Path, port: str) -> None:
    done = extractor("review", "serve", "--port", port, "--store", str(store_path))
    assert done.returncode == 2 and "Traceback" not in done.stderr and "--port" in done.stderr


def test_a_reviewer_name_with_line_breaks_is_kept_on_one_line(store_path: Path) -> None:
    item = ReviewStore(store_path).items()[0].id
    first = extractor("review", "approve", str(item), "--reviewer", "lan\nSet-Cookie: x=1\r\n",
                      "--store", str(store_path))
    assert first.returncode == 0 and first.stdout.strip() == f"item {item}: approved by lan Set-Cookie: x=1"
    again = extractor("review", "approve", str(item), "--reviewer", "minh", "--store", str(store_path))
    assert again.returncode == 2 and again.stderr.count("\n") == 1
    assert "already approved by lan Set-Cookie" in again.stderr
    [entry] = ReviewStore(store_path).audit(item)
    assert entry["who"] == "lan Set-Cookie: x=1"
