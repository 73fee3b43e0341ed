"""Fake OpenAI-compatible upstreams on 127.0.0.1 for the LiteLLM integration test.

`FakeUpstream("ok")` answers `/v1/chat/completions` and `/v1/models` like vLLM or OpenAI would, with a reply naming
the server; `"error"` answers 500; `"hang"` accepts the request and never answers (until stopped, and never longer
than ``HANG_LIMIT_S``). `refused_port()` returns a port nothing listens on, so connections are refused.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Optional

HANG_LIMIT_S = 60.0


def refused_port() -> int:
    """A loopback port that was free a moment ago and has no listener: connecting to it is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FakeUpstream:
    """A threaded HTTP server playing one OpenAI-compatible upstream in a given mode."""

    def __init__(self, mode: str, label: Optional[str] = None) -> None:
        assert mode in ("ok", "error", "hang"), mode
        self.mode = mode
        self.label = label or mode
        self.requests = 0
        self.models_seen: list[str] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        upstream = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output readable
                pass

            def _send(self, code: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):  # noqa: N802
                if self.path.rstrip("/").endswith("/models"):
                    self._send(200, {"object": "list", "data": [{"id": upstream.label, "object": "model"}]})
                else:
                    self._send(404, {"error": {"message": "not found"}})

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b"{}"
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {}
                with upstream._lock:
                    upstream.requests += 1
                    upstream.models_seen.append(str(body.get("model")))
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self._send(404, {"error": {"message": "not found"}})
                elif upstream.mode == "error":
                    self._send(500, {"error": {"message": "injected failure", "type": "internal_error"}})
                elif upstream.mode == "hang":
                    upstream._stop.wait(HANG_LIMIT_S)
                else:
                    self._send(200, upstream.completion(body))

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, name=f"fake-{self.label}", daemon=True)

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def completion(self, body: dict) -> dict:
        return {
            "id": f"chatcmpl-{self.label}-{self.requests}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": str(body.get("model") or self.label),
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": f"served-by:{self.label}"},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 5, "completion_tokens": 3, "total_tokens": 8},
        }

    def __enter__(self) -> "FakeUpstream":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()  # release hanging handlers first, or shutdown waits for them
        self.server.shutdown()
        self.server.server_close()
