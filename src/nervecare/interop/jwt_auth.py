"""Verifying the signed JWT a CDS client sends with every call (CDS Hooks, "Trusting CDS
Clients"): asymmetric signature by an allow-listed issuer's key, audience = the endpoint called,
unexpired, with a `jti` never seen before (replay protection)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import jwt

from nervecare.interop.settings import InteropSettings
from nervecare.store.engine import SessionFactory
from nervecare.store.token_ids import claim_token_id

__all__ = ["JtiCache", "ReplayGuard", "StoredJtis", "TokenError", "VerifiedCaller", "verify_bearer"]


class TokenError(Exception):
    """Why a call is not trusted; answered with 401."""


@dataclass(frozen=True)
class VerifiedCaller:
    issuer: str
    jti: str
    tenant: str | None


class ReplayGuard(Protocol):
    """Remembers JWT ids until they expire: `claim` is True only the first time."""

    def claim(self, key: str, *, expires_at: float, now: float) -> bool: ...


@dataclass(frozen=True)
class StoredJtis:
    """JWT ids kept in the database: shared by every web process (see `store.token_ids`)."""

    sessions: SessionFactory

    def claim(self, key: str, *, expires_at: float, now: float) -> bool:
        return claim_token_id(self.sessions, key=key, expires_at=expires_at, now=now)


@dataclass
class JtiCache:
    """JWT ids seen until they expire, in this process only: for an app without a store (the
    web app uses `StoredJtis`, so that another process cannot be replayed against)."""

    _seen: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def claim(self, key: str, *, expires_at: float, now: float) -> bool:
        """True the first time `key` is seen (and remembers it); False on a replay."""
        with self._lock:
            for old in [k for k, until in self._seen.items() if until < now]:
                del self._seen[old]
            if key in self._seen:
                return False
            self._seen[key] = expires_at
            return True


#: The key type each asymmetric algorithm family needs (RFC 7518, section 3.1).
_KEY_TYPE = {"RS": "RSA", "PS": "RSA", "ES": "EC"}


def _key_for(settings: InteropSettings, issuer: str, header: dict[str, Any]) -> Any:
    trusted = settings.trusted_issuers.get(issuer)
    if trusted is None:
        raise TokenError(f"issuer {issuer!r} is not trusted")
    jku = header.get("jku")
    if jku is not None and jku != trusted.jku:
        raise TokenError("the token's jku is not the trusted JWK Set URL of its issuer")
    kid = header.get("kid")
    if not kid:
        raise TokenError("the token header has no kid")
    for key in trusted.jwks.get("keys", []):
        if key.get("kid") == kid:
            # An RS256 token naming an EC key made PyJWT raise TypeError (a 500 before any
            # authentication): the algorithm must fit the key's type, checked here first.
            wanted = _KEY_TYPE.get(str(header.get("alg", ""))[:2])
            if wanted is None or key.get("kty") != wanted:
                raise TokenError(
                    f"algorithm {header.get('alg')!r} does not fit key {kid!r} ({key.get('kty')})"
                )
            try:
                return jwt.PyJWK(key, algorithm=str(header["alg"])).key
            except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError) as error:
                raise TokenError(f"key {kid!r} of issuer {issuer!r} is unusable: {error}") from None
    raise TokenError(f"no key {kid!r} for issuer {issuer!r}")


def verify_bearer(
    authorization: str | None,
    *,
    audience: str,
    settings: InteropSettings,
    replay: ReplayGuard,
    clock: Callable[[], float] = time.time,
) -> VerifiedCaller:
    """Check the `Authorization: Bearer <JWT>` of one call, or raise `TokenError` (whose message
    is for the log: it may name issuers and keys, which a caller is not told)."""
    scheme, _, token = (authorization or "").strip().partition(" ")
    # RFC 7235 section 2.1 and RFC 6750: the auth-scheme is case-insensitive.
    if scheme.lower() != "bearer" or not token.strip():
        raise TokenError("a signed JWT is needed: Authorization: Bearer <JWT>")
    token = token.strip()
    try:
        header = jwt.get_unverified_header(token)
        unverified = jwt.decode(token, options={"verify_signature": False})
    except (jwt.PyJWTError, ValueError, TypeError) as error:
        raise TokenError(f"not a JWT: {error}") from None
    if not isinstance(unverified, dict):
        raise TokenError("the token's claims are not an object")
    if header.get("alg") not in settings.algorithms:
        raise TokenError(f"algorithm {header.get('alg')!r} is not accepted (asymmetric only)")
    issuer = str(unverified.get("iss", ""))
    key = _key_for(settings, issuer, header)
    now = clock()
    try:
        claims = jwt.decode(
            token,
            key=key,
            algorithms=list(settings.algorithms),
            audience=[audience, audience.rstrip("/")],
            issuer=issuer,
            options={"require": ["iss", "aud", "exp", "iat", "jti"]},
            leeway=5,
        )
    except (jwt.PyJWTError, ValueError, TypeError) as error:
        raise TokenError(str(error)) from None
    if not isinstance(claims["jti"], str) or not 0 < len(claims["jti"]) <= 200:
        raise TokenError("the token's jti must be a string of 1 to 200 characters")
    if float(claims["exp"]) > now + settings.max_token_lifetime_seconds + 5:
        raise TokenError("the token lives too long: ask for a short-lived token")
    if not replay.claim(f"{issuer}|{claims['jti']}", expires_at=float(claims["exp"]), now=now):
        raise TokenError("this token (jti) has been used before")
    return VerifiedCaller(issuer=issuer, jti=str(claims["jti"]), tenant=claims.get("tenant"))
