"""A tiny real HTTP server on 127.0.0.1 for fake providers: scripted answers, recorded requests.

Each fake subclasses ``FakeServer`` and implements ``route``. Tests queue ``Answer`` objects with
``script(...)``; each request takes the next one (else the fake's default, normal answer), so
"a 500, then success" is ``fake.script(Answer.text(500, "boom"))``. ``Answer(...).on(path)`` waits
for a request to that path, letting others (a token call, say) through.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass(frozen=True)
class Answer:
    """One scripted HTTP answer. ``delay`` seconds pass before it is sent (for timeouts)."""

    status: int = 0  # 0: let the fake answer normally (after ``delay``)
    body: bytes = b""
    content_type: str = "application/json"
    delay: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)  # hints for the fake's normal answer
    path: str | None = None  # answer only a request to this path (others pass it by)

    def on(self, path: str) -> Answer:
        """This answer, kept for the next request to ``path``."""
        return replace(self, path=path)

    @classmethod
    def json(cls, status: int, payload: Any, delay: float = 0.0) -> Answer:
        return cls(status, json.dumps(payload).encode(), "application/json", delay)

    @classmethod
    def text(cls, status: int, body: str, delay: float = 0.0) -> Answer:
        return cls(status, body.encode(), "text/plain", delay)

    @classmethod
    def slow(cls, seconds: float) -> Answer:
        """The normal answer, but only after ``seconds`` (make the client time out)."""
        return cls(0, b"", "", seconds)


@dataclass
class Recorded:
    """A request as the fake received it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    form: dict[str, str] = field(default_factory=dict)
    json: Any = None


class FakeServer:
    """Serve ``route`` on 127.0.0.1:<random port> in a daemon thread until ``stop``."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._script: deque[Answer] = deque()
        self._lock = threading.Lock()
        self._generation = 0  # bumped by reset: a slow answer from an earlier test records nothing
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                fake._handle(self, "GET")

            def do_POST(self) -> None:
                fake._handle(self, "POST")

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def reset(self) -> None:
        """Forget recorded requests and scripted answers (between tests)."""
        with self._lock:
            self._generation += 1
            self.requests.clear()
            self._script.clear()

    def script(self, *answers: Answer) -> None:
        """Queue answers for the next requests, in order."""
        with self._lock:
            self._script.extend(answers)

    def _next_answer(self, path: str) -> Answer | None:
        for index, answer in enumerate(self._script):
            if answer.path in (None, path):
                del self._script[index]
                return answer
        return None

    def route(self, req: Recorded, scripted: Answer | None) -> Answer:  # pragma: no cover - abstract
        """The fake's own answer to ``req``; ``scripted`` is a status-0 answer that may carry ``extra``."""
        raise NotImplementedError

    def _record(self, handler: BaseHTTPRequestHandler, method: str) -> Recorded:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        req = Recorded(method, parts.path, dict(parse_qsl(parts.query)), dict(handler.headers.items()), body)
        ctype = handler.headers.get("Content-Type", "")
        if ctype.startswith("application/x-www-form-urlencoded"):
            req.form = dict(parse_qsl(body.decode(), keep_blank_values=True))
        elif ctype.startswith("application/json"):
            try:
                req.json = json.loads(body or b"null")
            except ValueError:
                req.json = None
        return req

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        req = self._record(handler, method)
        with self._lock:
            generation = self._generation
            self.requests.append(req)
            scripted = self._next_answer(req.path)
        if scripted is not None and scripted.delay:
            time.sleep(scripted.delay)
        if generation != self._generation:
            answer = Answer.text(503, "reset while waiting")
        elif scripted is not None and scripted.status:
            answer = scripted
        else:
            answer = self.route(req, scripted)
        try:
            handler.send_response(answer.status)
            handler.send_header("Content-Type", answer.content_type)
            handler.send_header("Content-Length", str(len(answer.body)))
            handler.end_headers()
            handler.wfile.write(answer.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test): nothing to answer
