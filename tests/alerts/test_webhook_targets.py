"""Issue 16, point 9: a webhook never targets this machine, a private network or a metadata
service, unless an operator allows the named host; checked when saved and again at delivery."""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
from collections.abc import Iterator

import pytest

from nervecare.alerts.channels import DeliveryError, Outgoing, WebhookChannel
from nervecare.store.alerts import set_team_alert_settings
from nervecare.store.errors import StoreError
from nervecare.store.models import TeamAlertSettings
from nervecare.store.service import Store, add_patient
from tests.alerts.receivers import HttpReceiver
from tests.store.factories import new_patient

SECRET = "target-test-secret"  # noqa: S105 - test value
NOW = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)
FORBIDDEN = [
    "http://169.254.169.254/latest/meta-data/",
    "http://127.0.0.1:22/",
    "http://[::1]/hook",
    "http://2130706433/hook",
    "http://0x7f.1/hook",
    "http://10.1.2.3/hook",
    "http://192.168.0.10/hook",
    "http://[::ffff:169.254.169.254]/",
    "http://localhost:8000/hook",
    "http://metadata.google.internal/",
]


@pytest.fixture
def team(store: Store) -> str:
    add_patient(store.sessions, new=new_patient())
    return "Spinal team A"


def _save(store: Store, team: str, url: str, allowed: tuple[str, ...] = ()) -> None:
    set_team_alert_settings(
        store.sessions,
        team=team,
        actor="test",
        now=NOW,
        webhook_url=url,
        webhook_secret=SECRET,
        webhook_allowed_hosts=allowed,
    )


@pytest.mark.parametrize("url", FORBIDDEN)
def test_a_private_loopback_or_metadata_webhook_is_refused(store: Store, team: str, url: str):
    """Saving such a URL is refused with a reason; nothing is saved."""
    with pytest.raises(StoreError, match="loopback, private or link-local"):
        _save(store, team, url)
    with store.sessions.begin() as session:
        assert session.query(TeamAlertSettings).count() == 0


def test_a_public_webhook_is_saved(store: Store, team: str):
    """An ordinary public https URL is accepted."""
    _save(store, team, "https://hooks.example.org/nervecare")


def test_an_operator_can_allow_a_named_internal_host(store: Store, team: str):
    """A host named in the allowed list may be private (an on-premises receiver)."""
    _save(store, team, "http://127.0.0.1:9000/hook", allowed=("127.0.0.1",))


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    server = HttpReceiver(SECRET)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _message(url: str) -> Outgoing:
    return Outgoing(kind="webhook", target=url, dedup_key="k-1", body=b"{}", secret=SECRET)


def test_delivery_to_a_loopback_address_is_refused(receiver: HttpReceiver):
    """At delivery time too: a stored loopback URL is not sent to (nothing arrives)."""
    channel = WebhookChannel(timeout_seconds=2)
    with pytest.raises(DeliveryError):
        channel.send(_message(receiver.url))
    assert receiver.keys() == set()


def test_a_name_that_resolves_to_a_private_address_is_refused_at_delivery(
    receiver: HttpReceiver,
):
    """DNS rebinding: a name saved as harmless that now resolves to loopback is not sent to."""
    name = socket.gethostname()
    resolved = ipaddress.ip_address(socket.getaddrinfo(name, 80)[0][4][0])
    if resolved.is_global:
        pytest.skip(f"{name} resolves to a public address here")
    url = receiver.url.replace("127.0.0.1", name)
    channel = WebhookChannel(timeout_seconds=2)
    with pytest.raises(DeliveryError, match="resolves to"):
        channel.send(_message(url))
    assert receiver.keys() == set()


def test_delivery_to_an_allowed_host_goes_through(receiver: HttpReceiver):
    """The operator's allowed host is delivered to, signature and all."""
    channel = WebhookChannel(timeout_seconds=2, allowed_hosts=("127.0.0.1",))
    channel.send(_message(receiver.url))
    assert receiver.keys() == {"k-1"}
