"""A loopback OpenAI-compatible chat server for tests that look at what the client sends.

It keeps every request (headers and JSON body) and answers a chat completion in the shape the
request asks for: a tool call when the request offers tools (instructor's `tools` mode), else
the reply as message content, fenced as a ```json block when `fence` is set (what a model asked
in `md_json` mode writes). `answer(body)` gives the reply object for a request."""
from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Answer = Callable[[dict[str, Any]], dict[str, Any]]


class ChatServer:
    def __init__(self, answer: Answer, *, fence: bool = False, models: list[str] | None = None) -> None:
        self.answer = answer
        self.fence = fence
        self.models = models or []
        self.requests: list[tuple[dict[str, str], dict[str, Any]]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/v1"

    def __enter__(self) -> ChatServer:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _completion(self, body: dict[str, Any]) -> dict[str, Any]:
        reply = json.dumps(self.answer(body), ensure_ascii=False)
        if body.get("tools"):
            name = body["tools"][0]["function"]["name"]
            message = {"role": "assistant", "content": None, "tool_calls": [
                {"id": "call-1", "type": "function", "function": {"name": name, "arguments": reply}}]}
        else:
            message = {"role": "assistant", "content": f"```json\n{reply}\n```" if self.fence else reply}
        return {"id": "chat-1", "object": "chat.completion", "created": 0, "model": body.get("model"),
                "choices": [{"index": 0, "finish_reason": "stop", "message": message}],
                "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # /v1/models
                self._send({"object": "list", "data": [{"id": m, "object": "model"} for m in server.models]})

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.requests.append((dict(self.headers), body))
                self._send(server._completion(body))

            def _send(self, data: dict[str, Any]) -> None:
                payload = json.dumps(data, ensure_ascii=False).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        return Handler
