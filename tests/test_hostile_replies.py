"""A model server that answers with far more than any piece could hold (200 000 items): that
piece fails with a clear reason; neither the output nor the cache takes the flood."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .conftest import REPORT_2026
from .test_faults import MODEL

FLOOD = 200_000


def _flood_reply() -> bytes:
    content = json.dumps({"indicators": [{"name": "x", "value": "n1"}] * FLOOD})
    return json.dumps({"id": "x", "object": "chat.completion", "created": 0, "model": MODEL,
                       "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant",
                                                                                   "content": content}}],
                       "usage": {"prompt_tokens": 1, "completion_tokens": 1}}, ensure_ascii=False).encode()


def test_a_flood_of_items_fails_its_piece_and_reaches_no_file(tmp_path: Path) -> None:
    payload = _flood_reply()
    served = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", 0)))
            served.append(len(payload))
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        run = subprocess.run([sys.executable, "-m", "extractor", "extract", str(REPORT_2026), "--sections", "II.7",
                              "--base-url", f"http://127.0.0.1:{server.server_address[1]}/v1", "--model", MODEL,
                              "--cache-dir", str(tmp_path / "cache"), "--store", str(tmp_path / "review.db"),
                              "-o", str(tmp_path / "out.json")],
                             capture_output=True, text=True, timeout=600,
                             env={**os.environ, "EXTRACTOR_CONFIG": str(tmp_path / "none.toml")})
    finally:
        server.shutdown()
        server.server_close()
    assert run.returncode == 1 and "Traceback" not in run.stderr, run.stderr[-3000:]
    assert served and served[0] > 4_000_000  # the flood really was sent
    output = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    [section] = output["sections"]
    assert section["status"] == "failed"  # the model's reply gave nothing kept; only the reader's records remain
    assert all(r["labels"].get("source") == "reader" for r in output["records"])
    assert all("reply too large" in e for e in section["errors"]), section["errors"]
    written = sum(p.stat().st_size for p in tmp_path.rglob("*") if p.is_file())
    assert written < 2_000_000, written
