"""Real receivers on loopback for the fault tests: an SMTP server (aiosmtpd) and an HTTP server.

Both count what arrived by de-duplication key, so a test can assert "every alert arrived" (at
least once) and "exactly once after de-duplication". Each can be switched off and on (the
port stays the same) or told to misbehave.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

from nervecare.alerts.channels import DEDUP_HEADER
from nervecare.alerts.signing import SIGNATURE_HEADER, SignatureError, verify_signature

__all__ = ["HttpReceiver", "SmtpReceiver", "free_port", "wait_until"]

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


def wait_until(condition: Callable[[], bool], *, timeout: float, interval: float = 0.05) -> bool:
    """Poll `condition` until true or `timeout` seconds have passed (bounded, never forever)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


class _Handler:
    def __init__(self, receiver: SmtpReceiver) -> None:
        self._receiver = receiver

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        receiver = self._receiver
        receiver.data_started.set()
        while receiver.hold.is_set():
            await asyncio.sleep(0.02)
        message = message_from_bytes(envelope.original_content or envelope.content)
        with receiver.lock:
            for recipient in envelope.rcpt_tos:
                receiver.arrived[(str(message[DEDUP_HEADER]), recipient)] += 1
        return "250 Message accepted for delivery"


class SmtpReceiver:
    """An aiosmtpd server on a fixed loopback port that can be stopped and started again."""

    def __init__(self) -> None:
        self.port = free_port()
        self.arrived: Counter[tuple[str, str]] = Counter()
        self.lock = threading.Lock()
        self.data_started = threading.Event()
        #: While set, DATA is held open (a delivery "in the middle").
        self.hold = threading.Event()
        self._controller: Controller | None = None

    def start(self) -> None:
        if self._controller is None:
            self._controller = Controller(_Handler(self), hostname=LOOPBACK, port=self.port)
            self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def keys(self) -> set[str]:
        with self.lock:
            return {key for key, _to in self.arrived}

    def total(self) -> int:
        with self.lock:
            return sum(self.arrived.values())


class HttpReceiver:
    """A webhook receiver that verifies signatures; `behaviour(n)` picks the n-th answer.

    Answers: "ok" (204 and counted), "error" (500), "hang" (sleeps past the sender's timeout).
    """

    def __init__(self, secret: str, behaviour: Callable[[int], str] = lambda _n: "ok") -> None:
        self.secret = secret
        self.behaviour = behaviour
        self.arrived: Counter[str] = Counter()
        self.requests = 0
        self.bad_signatures = 0
        self.lock = threading.Lock()
        self.hang_seconds = 2.0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:
                return

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver.lock:
                    receiver.requests += 1
                    number = receiver.requests
                answer = receiver.behaviour(number)
                if answer == "hang":
                    time.sleep(receiver.hang_seconds)
                if answer == "error":
                    self.send_response(500)
                    self.end_headers()
                    return
                try:
                    verify_signature(
                        receiver.secret,
                        header=self.headers.get(SIGNATURE_HEADER, ""),
                        body=body,
                        now=int(time.time()),
                    )
                except SignatureError:
                    with receiver.lock:
                        receiver.bad_signatures += 1
                    self.send_response(401)
                    self.end_headers()
                    return
                if answer == "ok":
                    with receiver.lock:
                        receiver.arrived[str(self.headers.get(DEDUP_HEADER))] += 1
                self.send_response(204)
                self.end_headers()

        self._server = ThreadingHTTPServer((LOOPBACK, 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://{LOOPBACK}:{self._server.server_address[1]}/hook"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def keys(self) -> set[str]:
        with self.lock:
            return set(self.arrived)
