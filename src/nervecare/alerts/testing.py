"""Fakes worth sharing for tests of code that sends alerts: a capturing and a flaky channel.

Unit tests only: the fault tests use a real SMTP server (aiosmtpd) and a real HTTP receiver.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from nervecare.alerts.channels import ChannelKind, DeliveryError, Outgoing

__all__ = ["CapturingChannel", "FlakyChannel"]


class CapturingChannel:
    """Keeps every message it is given, in order; never fails."""

    def __init__(self, kind: ChannelKind = "email") -> None:
        self.kind: ChannelKind = kind
        self.sent: list[Outgoing] = []
        self._lock = threading.Lock()

    def send(self, message: Outgoing) -> None:
        with self._lock:
            self.sent.append(message)

    @property
    def dedup_keys(self) -> list[str]:
        return [message.dedup_key for message in self.sent]


class FlakyChannel(CapturingChannel):
    """Fails while `failing()` says so (e.g. for the first n calls), then captures."""

    def __init__(self, kind: ChannelKind = "email", *, failing: Callable[[int], bool]) -> None:
        super().__init__(kind)
        self._failing = failing
        self.calls = 0

    def send(self, message: Outgoing) -> None:
        with self._lock:
            self.calls += 1
            call = self.calls
        if self._failing(call):
            raise DeliveryError(f"simulated failure on call {call}")
        super().send(message)
