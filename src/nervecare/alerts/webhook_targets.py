"""Where a webhook may point: never at this machine, a private network or a cloud metadata
service, unless the operator names that host in `NERVECARE_WEBHOOK_ALLOWED_HOSTS`.

A team's webhook URL is chosen by whoever may change its settings; without this check it could
make the worker POST to `http://169.254.169.254/` (cloud credentials), to `127.0.0.1:22` or to
anything else only the server can reach. The URL is checked when it is saved (literal addresses
in every spelling: `2130706433` and `0x7f.1` are 127.0.0.1 to the resolver) and again at every
delivery, after resolving the name, on the very address the worker then connects to - so a name
that resolves to a public address when saved and to 127.0.0.1 later (DNS rebinding) is refused.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

__all__ = [
    "WebhookTargetError",
    "check_webhook_url",
    "guarded_transport",
    "is_forbidden_address",
]

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

#: Names that mean this machine or a metadata service whatever the resolver says.
_FORBIDDEN_NAMES = frozenset({"localhost", "localhost.localdomain", "metadata.google.internal"})


class WebhookTargetError(ValueError):
    """The webhook URL points somewhere the worker must not send to."""


def is_forbidden_address(address: IpAddress) -> bool:
    """Loopback, private, link-local (metadata), shared, reserved or multicast: not the internet."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast


def _literal_address(host: str) -> IpAddress | None:
    """The address a host written as a number stands for, in any spelling the resolver takes."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host))  # 2130706433, 0x7f.1, 127.1
    except OSError:
        return None


def _allowed(host: str, allowed_hosts: Iterable[str]) -> bool:
    return host.lower().rstrip(".") in {name.lower().rstrip(".") for name in allowed_hosts}


def check_webhook_url(url: str, *, allowed_hosts: Iterable[str] = ()) -> None:
    """Raise `WebhookTargetError` for a URL that is not http(s), or that names a forbidden host."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError) as error:
        raise WebhookTargetError(f"the webhook URL is not a URL: {error}") from None
    if parsed.scheme not in ("https", "http") or not parsed.host:
        raise WebhookTargetError("the webhook URL must start with https:// (or http://)")
    host = parsed.host
    if _allowed(host, allowed_hosts):
        return
    name = host.lower().rstrip(".")
    literal = _literal_address(host)
    if (
        name in _FORBIDDEN_NAMES
        or name.endswith(".localhost")
        or (literal is not None and is_forbidden_address(literal))
    ):
        raise WebhookTargetError(
            f"the webhook URL points at {host}, a loopback, private or link-local address; "
            "an operator can allow a named host with NERVECARE_WEBHOOK_ALLOWED_HOSTS"
        )


class _GuardedBackend(httpcore.NetworkBackend):
    """Resolves the host itself, refuses forbidden addresses, and connects to the address it
    checked (TLS still verifies the certificate against the host name)."""

    def __init__(self, allowed_hosts: Iterable[str]) -> None:
        self._allowed_hosts = tuple(allowed_hosts)
        self._backend = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        if _allowed(host, self._allowed_hosts):
            return self._backend.connect_tcp(host, port, timeout, local_address, socket_options)
        try:
            found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as error:
            raise httpcore.ConnectError(f"cannot resolve {host}: {error}") from error
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found]
        if not addresses or any(is_forbidden_address(address) for address in addresses):
            raise httpcore.ConnectError(
                f"webhook host {host} resolves to a loopback, private or link-local address"
            )
        return self._backend.connect_tcp(
            str(addresses[0]), port, timeout, local_address, socket_options
        )

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("webhooks are never sent to a local socket")

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


class _GuardedTransport(httpx.HTTPTransport):
    def __init__(self, allowed_hosts: Iterable[str]) -> None:
        super().__init__()
        # httpx has no public switch for the network backend: give it a pool that has ours.
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            network_backend=_GuardedBackend(allowed_hosts),
        )


def guarded_transport(allowed_hosts: Iterable[str] = ()) -> httpx.BaseTransport:
    """An httpx transport that only connects to public addresses, or to the allowed hosts."""
    return _GuardedTransport(allowed_hosts)
