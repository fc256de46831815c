"""The ways an alert leaves nervecare: email over SMTP and a signed webhook over HTTP(S).

Each channel sends one message or raises `DeliveryError`; retrying, logging and giving up are
the worker's business. Both have timeouts, so a server that accepts a connection and then says
nothing costs seconds, not a stuck worker. A fresh SMTP connection per message: simpler and
robust to a mail server that restarted between two alerts.
"""

from __future__ import annotations

import datetime as dt
import smtplib
import ssl
from collections.abc import Callable, Sequence
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Literal, Protocol

import httpx
from pydantic import BaseModel, ConfigDict

from nervecare.alerts.messages import EmailContent
from nervecare.alerts.signing import SIGNATURE_HEADER, signature_header
from nervecare.alerts.webhook_targets import (
    WebhookTargetError,
    check_webhook_url,
    guarded_transport,
)

__all__ = [
    "DEDUP_HEADER",
    "Channel",
    "ChannelKind",
    "DeliveryError",
    "Outgoing",
    "SmtpChannel",
    "WebhookChannel",
]

ChannelKind = Literal["email", "webhook"]

#: Carried by both channels: the key a receiver de-duplicates on (at-least-once delivery).
DEDUP_HEADER = "Nervecare-Dedup-Key"


class DeliveryError(Exception):
    """This attempt did not reach the receiver (or the receiver did not accept it)."""


class Outgoing(BaseModel):
    """One message to one receiver: an email to an address, or a body to a webhook URL."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    kind: ChannelKind
    target: str
    dedup_key: str
    email: EmailContent | None = None
    body: bytes | None = None
    secret: str | None = None


class Channel(Protocol):
    """Sends one kind of message; raises `DeliveryError` when it did not get through."""

    @property
    def kind(self) -> ChannelKind: ...

    def send(self, message: Outgoing) -> None: ...


class SmtpChannel:
    """Email through one SMTP server (STARTTLS and login when configured)."""

    kind: ChannelKind = "email"

    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        timeout_seconds: float = 10.0,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self._host = host
        self._port = port
        self._sender = sender
        self._username = username
        self._password = password
        self._starttls = starttls
        self._timeout = timeout_seconds
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))

    def _message(self, message: Outgoing) -> EmailMessage:
        if message.email is None:
            raise ValueError("an email message needs its content")
        mail = EmailMessage()
        mail["From"] = self._sender
        mail["To"] = message.target
        mail["Subject"] = message.email.subject
        mail["Date"] = format_datetime(self._clock())
        mail["Message-ID"] = f"<{message.dedup_key}@nervecare>"
        mail[DEDUP_HEADER] = message.dedup_key
        mail.set_content(message.email.body)
        return mail

    def send(self, message: Outgoing) -> None:
        mail = self._message(message)
        try:
            with smtplib.SMTP(self._host, self._port, timeout=self._timeout) as smtp:
                if self._starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self._username:
                    smtp.login(self._username, self._password or "")
                refused = smtp.send_message(mail)
        except (OSError, smtplib.SMTPException) as error:
            raise DeliveryError(f"smtp {self._host}:{self._port}: {error!r}"[:500]) from error
        if refused:
            raise DeliveryError(f"smtp refused recipients: {sorted(refused)}")


class WebhookChannel:
    """POST the signed JSON body; any 2xx is delivered, anything else is a failed attempt.

    Only to public addresses, or to the operator's `allowed_hosts`: the URL is checked before
    each delivery and the address connected to is checked after resolving (`webhook_targets`).
    """

    kind: ChannelKind = "webhook"

    def __init__(
        self,
        *,
        timeout_seconds: float = 10.0,
        clock: Callable[[], dt.datetime] | None = None,
        transport: httpx.BaseTransport | None = None,
        allowed_hosts: Sequence[str] = (),
    ) -> None:
        self._allowed_hosts = tuple(allowed_hosts)
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout_seconds),
            follow_redirects=False,
            transport=transport or guarded_transport(self._allowed_hosts),
            headers={"User-Agent": "nervecare-alerts/1"},
        )
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))

    def close(self) -> None:
        self._client.close()

    def send(self, message: Outgoing) -> None:
        if message.body is None:
            raise ValueError("a webhook message needs its body")
        try:
            check_webhook_url(message.target, allowed_hosts=self._allowed_hosts)
        except WebhookTargetError as error:
            raise DeliveryError(f"webhook: {error}") from None
        headers = {"Content-Type": "application/json", DEDUP_HEADER: message.dedup_key}
        if message.secret:
            timestamp = int(self._clock().timestamp())
            headers[SIGNATURE_HEADER] = signature_header(
                message.secret, timestamp=timestamp, body=message.body
            )
        try:
            response = self._client.post(message.target, content=message.body, headers=headers)
        except httpx.HTTPError as error:
            raise DeliveryError(f"webhook: {error!r}"[:500]) from error
        if not response.is_success:
            raise DeliveryError(f"webhook answered HTTP {response.status_code}")
