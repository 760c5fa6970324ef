"""A real HTTP server on 127.0.0.1 that records webhook deliveries (no mocks)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest


@dataclass
class Hit:
    method: str
    headers: dict[str, str]
    body: bytes
    status: int


@dataclass
class WebhookReceiver:
    """Answers ``fail_status`` (500) to the first ``fail_first`` POSTs, then 200.

    With ``hold_first`` the first request is kept waiting (no answer) until
    ``release`` is set: a sender stuck mid-delivery, for the crash tests.
    """

    url: str = ""
    fail_first: int = 0
    fail_status: int = 500
    hold_first: bool = False
    hits: list[Hit] = field(default_factory=list)
    received: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, method: str, headers: dict[str, str], body: bytes) -> tuple[int, bool]:
        with self.lock:
            n = len(self.hits) + 1
            status = self.fail_status if method == "POST" and n <= self.fail_first else 200
            self.hits.append(Hit(method, headers, body, status))
        self.received.set()
        return status, self.hold_first and n == 1

    @property
    def deliveries(self) -> list[str]:
        return [h.headers["x-redprop-delivery"] for h in self.hits]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, hold = self.server.receiver.answer(self.command, headers, body)
        if hold:
            self.server.receiver.release.wait(timeout=120)
        try:
            self.send_response(status)
            if 300 <= status < 400:
                self.send_header("Location", "/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()
        except OSError:  # the sender was killed while we held it
            pass

    do_GET = do_POST  # where a followed redirect would land: answers 200

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    receiver: WebhookReceiver

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    server = _Server(("127.0.0.1", 0), _Handler)
    server.receiver = WebhookReceiver(url=f"http://127.0.0.1:{server.server_port}/hook")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.receiver
    finally:
        server.receiver.release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
