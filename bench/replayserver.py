"""A local OpenAI-compatible stand-in for a model server, for benchmarks and fault tests.

It answers POST /v1/chat/completions with replies recorded in cassettes (cassettes/*.yaml),
after a configurable latency, matching a request by its model and first two messages (the
system and user prompt) so that a re-ask, which appends turns, still finds its recorded reply.
Without a recording for a request it relays to `upstream`, if given (how the retry cassette is
recorded through it); with `fallback` it answers an empty reply ("{}": nothing found, valid for
every schema) with usage estimated at 4 characters a token (what the benchmark uses for the
pieces no cassette holds); else it answers 404.

A script of faults is played first, one per request: a status (429 with Retry-After, 5xx), a
hang past the client's timeout, a connection dropped mid-body, malformed JSON, an HTML page
sent with status 200, a reply that breaks the schema, a reply cut off by the token limit. `log`
keeps what happened to every request; `prompt_tokens`/`completion_tokens` sum the usage of the replies sent.
"""
from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import yaml


@dataclass(frozen=True)
class Fault:
    """One scripted misbehaviour. `kind`: status, hang, drop, malformed (a body cut short), html (a
    proxy's error page with status 200), bad_schema, truncated."""

    kind: str
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


def _key(body: dict) -> str:
    return json.dumps([body.get("model"), body.get("messages", [])[:2]], sort_keys=True, ensure_ascii=False)


def _empty_reply(body: dict) -> bytes:
    prompt = sum(len(m.get("content") or "") for m in body.get("messages", []))
    return json.dumps({"id": "empty", "object": "chat.completion", "created": 0, "model": body.get("model"),
                       "choices": [{"index": 0, "finish_reason": "stop",
                                    "message": {"role": "assistant", "content": "{}"}}],
                       "usage": {"prompt_tokens": prompt // 4, "completion_tokens": 1,
                                 "total_tokens": prompt // 4 + 1}}).encode()


def load_recordings(paths: list[Path]) -> dict[str, list[bytes]]:
    """Complete replies of the cassettes, by request key, in recorded order. A reply cut off by
    the token limit it was recorded under is left out (the fault script injects cut-offs)."""
    replies: dict[str, list[bytes]] = {}
    for path in paths:
        for exchange in yaml.safe_load(path.read_text(encoding="utf-8"))["interactions"]:
            body = exchange["response"]["body"]["string"]
            if exchange["response"]["status"]["code"] != 200 or _cut_off(body):
                continue
            key = _key(json.loads(exchange["request"]["body"]))
            replies.setdefault(key, []).append(body.encode())
    return replies


def _cut_off(body: str) -> bool:
    return any(c.get("finish_reason") == "length" for c in json.loads(body).get("choices", []))


class ReplayServer:
    def __init__(self, recordings: list[Path] = (), *, latency: float = 0.0, script: list[Fault] = (),
                 upstream: str | None = None, fallback: bool = False, served_model: str | None = None) -> None:
        self.replies = load_recordings(list(recordings))
        self.latency = latency
        self.script = list(script)
        self.upstream = urlsplit(upstream) if upstream else None
        self.fallback = fallback
        self.served_model = served_model  # the model GET /models lists, if any
        self.log: list[str] = []  # per request: "replay", "forward", "404" or the fault's kind
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self.prompt_chars = 0  # characters of the messages as sent (system prompt with its schema included)
        self.authorizations: set[str] = set()  # Authorization headers seen (tests check a key was sent)
        self._served: dict[str, int] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> "ReplayServer":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def stats(self) -> dict[str, object]:
        with self._lock:
            return {"requests": len(self.log), "prompt_chars": self.prompt_chars, "prompt_tokens": self.prompt_tokens,
                    "completion_tokens": self.completion_tokens}

    def _take(self, body: dict) -> tuple[Fault | None, bytes | None]:
        with self._lock:
            self.prompt_chars += sum(len(m.get("content") or "") for m in body.get("messages", []))
            fault = self.script.pop(0) if self.script else None
            key = _key(body)
            recorded = self.replies.get(key)
            reply = None
            if recorded:
                n = self._served.get(key, 0)
                reply = recorded[min(n, len(recorded) - 1)]
                self._served[key] = n + 1
            if reply is None and self.fallback and not self.upstream:
                reply = _empty_reply(body)
                self.log.append(fault.kind if fault else "empty")
            else:
                self.log.append(fault.kind if fault else "replay" if reply else "forward" if self.upstream else "404")
            return fault, reply

    def _count(self, payload: bytes) -> None:
        try:
            usage = json.loads(payload).get("usage") or {}
        except ValueError:
            return
        with self._lock:
            self.prompt_tokens += usage.get("prompt_tokens", 0)
            self.completion_tokens += usage.get("completion_tokens", 0)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def setup(self) -> None:
                super().setup()
                # Headers and body go out in two writes: without this, Nagle's algorithm and the
                # client's delayed ACK add ~40 ms to every reply.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_GET(self) -> None:
                if self.path.rstrip("/").endswith("/stats"):
                    return self._send(200, json.dumps(server.stats()).encode())
                if self.path.rstrip("/").endswith("/models") and server.served_model:
                    listed = {"object": "list", "data": [{"id": server.served_model, "object": "model"}]}
                    return self._send(200, json.dumps(listed).encode())
                self._send(404, b'{"error": {"message": "not found"}}')

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length", 0)))
                server.authorizations.add(self.headers.get("authorization", ""))
                fault, reply = server._take(json.loads(raw or b"{}"))
                if fault is not None:
                    return server._misbehave(self, fault, reply)
                if reply is not None:
                    time.sleep(server.latency)
                    return self._send(200, reply)
                if server.upstream is not None:
                    return self._send(*server._forward(self.path, dict(self.headers), raw))
                self._send(404, b'{"error": {"message": "no recorded reply for this request"}}')

            def _send(self, status: int, payload: bytes, headers: dict[str, str] | None = None) -> None:
                server._count(payload)
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        return Handler

    def _misbehave(self, handler: BaseHTTPRequestHandler, fault: Fault, reply: bytes | None) -> None:
        error = b'{"error": {"message": "injected fault", "type": "server_error"}}'
        if fault.kind == "status":
            return handler._send(fault.status, error, fault.headers)
        if fault.kind == "hang":
            time.sleep(fault.seconds)
            handler.close_connection = True
            return None
        if fault.kind == "drop":
            handler.send_response(200)
            handler.send_header("content-type", "application/json")
            handler.send_header("content-length", "4096")
            handler.end_headers()
            handler.wfile.write((reply or error)[:40])
            handler.wfile.flush()
            handler.close_connection = True
            handler.connection.shutdown(2)
            return None
        if fault.kind == "html":  # a proxy's error page, sent as a success
            handler.send_response(200)
            page = b"<html><body><h1>502 Bad Gateway</h1></body></html>"
            handler.send_header("content-type", "text/html")
            handler.send_header("content-length", str(len(page)))
            handler.end_headers()
            handler.wfile.write(page)
            return None
        if fault.kind == "malformed":
            return handler._send(200, b'{"id": "x", "choices": [{"message": {"content": "{\\"indic')
        completion = json.loads(reply) if reply else {"id": "x", "object": "chat.completion", "created": 0,
                                                      "model": "stand-in", "choices": [{"index": 0}]}
        choice = completion["choices"][0]
        if fault.kind == "bad_schema":
            choice["message"] = {"role": "assistant", "content": '{"tasks": {"assigned": [1, 2]}, "documents": 7}'}
            choice["finish_reason"] = "stop"
        elif fault.kind == "truncated":
            content = (choice.get("message") or {}).get("content") or '{"indicators": [{"name": "Tổng thu'
            choice["message"] = {"role": "assistant", "content": content[: max(1, len(content) // 2)]}
            choice["finish_reason"] = "length"
        else:
            raise ValueError(f"unknown fault {fault.kind!r}")
        return handler._send(200, json.dumps(completion, ensure_ascii=False).encode())

    def _forward(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
        assert self.upstream is not None
        conn = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port, timeout=600)
        try:
            keep = {k: v for k, v in headers.items() if k.lower() in {"content-type", "accept", "authorization"}}
            conn.request("POST", path, body=body, headers=keep)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()


def main() -> None:
    """Serve in a process of its own (the benchmark does, so that it does not share a GIL)."""
    import argparse

    parser = argparse.ArgumentParser(description="Local stand-in for an OpenAI-compatible model server.")
    parser.add_argument("cassettes", nargs="*", type=Path)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--fallback", action="store_true", help="Answer unrecorded requests with an empty reply.")
    args = parser.parse_args()
    with ReplayServer(args.cassettes, latency=args.latency, fallback=args.fallback) as server:
        print(server.base_url, flush=True)
        try:
            server._thread.join()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
