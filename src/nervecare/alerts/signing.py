"""Signing webhook bodies so a receiver knows they came from us, unchanged, and recently.

The signature is HMAC-SHA256 over `timestamp + "." + body`, sent as
`Nervecare-Signature: t=<unix seconds>,v1=<hex>`. Signing the timestamp with the body stops an
attacker from replaying an old request with a fresh time; the receiver refuses timestamps
outside a tolerance window (5 minutes by default) and compares in constant time. The same scheme
as Stripe's, so receivers can reuse familiar code. `verify_signature` is for receivers (and our
tests), and has no dependency beyond the standard library.
"""

from __future__ import annotations

import hashlib
import hmac

__all__ = [
    "SIGNATURE_HEADER",
    "SignatureError",
    "compute_signature",
    "signature_header",
    "verify_signature",
]

SIGNATURE_HEADER = "Nervecare-Signature"
DEFAULT_TOLERANCE_SECONDS = 300


class SignatureError(ValueError):
    """The request is not signed by this secret, was changed, or is too old or too new."""


def compute_signature(secret: str, *, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, *, timestamp: int, body: bytes) -> str:
    """The header value: `t=<timestamp>,v1=<hex signature>`."""
    if not secret:
        raise ValueError("a webhook secret is needed to sign")
    return f"t={timestamp},v1={compute_signature(secret, timestamp=timestamp, body=body)}"


def _parse(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                raise SignatureError("the timestamp is not a number") from None
        elif key == "v1":
            signatures.append(value)
    if timestamp is None or not signatures:
        raise SignatureError("the header has no timestamp or no v1 signature")
    return timestamp, signatures


def verify_signature(
    secret: str,
    *,
    header: str,
    body: bytes,
    now: int,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
) -> int:
    """Check a received request; return its timestamp, or raise `SignatureError`.

    `now` is the receiver's clock in Unix seconds (passed in, so receivers' tests are exact).
    Several `v1=` values are accepted so a sender can sign with an old and a new secret while
    rotating.
    """
    timestamp, signatures = _parse(header)
    if abs(now - timestamp) > tolerance_seconds:
        raise SignatureError("the timestamp is outside the tolerance window (replay?)")
    expected = compute_signature(secret, timestamp=timestamp, body=body)
    # Check every candidate, so the time taken does not say which one (if any) matched.
    matched = False
    for candidate in signatures:
        matched |= hmac.compare_digest(expected, candidate)
    if not matched:
        raise SignatureError("the signature does not match")
    return timestamp
