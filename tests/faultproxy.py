"""A loopback HTTP server that plays a script of faults in front of a real model server.

Each POST takes the next step of the script: a status to answer with (429 with Retry-After,
500, …), a reply to cut short, or "forward" to relay the request to the upstream server
unchanged. Once the script is spent every request is forwarded. Recording through it puts
real fault exchanges into a cassette; `requests` logs what the client sent.
"""
from __future__ import annotations

import http.client
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Fault:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b'{"error": {"message": "injected fault", "type": "server_error"}}'


FORWARD = None


class FaultProxy:
    def __init__(self, upstream: str, script: list[Fault | None]) -> None:
        self.upstream = urlsplit(upstream)
        self.script = list(script)
        self.requests: list[tuple[str, int]] = []  # (path, status answered)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{self.upstream.path}"

    def __enter__(self) -> "FaultProxy":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _next(self) -> Fault | None:
        with self._lock:
            return self.script.pop(0) if self.script else FORWARD

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                step = proxy._next()
                if step is FORWARD:
                    status, headers, payload = proxy._forward(self.path, dict(self.headers), body)
                else:
                    status, headers, payload = step.status, {"content-type": "application/json", **step.headers}, step.body
                proxy.requests.append((self.path, status))
                self.send_response(status)
                for name, value in headers.items():
                    if name.lower() not in {"content-length", "transfer-encoding", "connection"}:
                        self.send_header(name, value)
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        return Handler

    def _forward(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port, timeout=600)
        try:
            keep = {k: v for k, v in headers.items() if k.lower() in {"content-type", "accept", "authorization"}}
            conn.request("POST", path, body=body, headers=keep)
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()
