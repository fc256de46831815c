"""Settings of the FHIR API and the CDS Hooks service, from `NERVECARE_INTEROP_*` variables.

Kept apart from `nervecare.settings` so the interop package can be configured (and tested) on its
own; an application may put its own `InteropSettings` on `app.state.interop_settings`.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["InteropSettings", "TrustedIssuer", "get_interop_settings"]


class TrustedIssuer(BaseModel):
    """A CDS client (EHR) whose signed calls we accept, with its public keys (a JWK Set)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    jwks: dict[str, Any] = Field(description="The issuer's JWK Set: {'keys': [...]}.")
    jku: str | None = Field(
        default=None, description="The JWK Set URL the issuer names in its tokens, if any."
    )


class InteropSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NERVECARE_INTEROP_", extra="ignore", frozen=True)

    trusted_issuers: dict[str, TrustedIssuer] = Field(
        default_factory=dict,
        description="JSON: issuer URI -> {jwks, jku?}. Calls signed by anyone else get 401.",
    )
    public_base_url: str | None = Field(
        default=None,
        description="This service's public base URL, for the JWT audience (default: the "
        "request's own base URL).",
    )
    patient_page: str = Field(
        default="{base}/patients/{id}",
        description="Link to a patient's page in the web app ({base}, {id}, {reference}).",
    )
    algorithms: tuple[str, ...] = (
        "ES256",
        "ES384",
        "ES512",
        "RS256",
        "RS384",
        "RS512",
        "PS256",
        "PS384",
        "PS512",
    )
    max_token_lifetime_seconds: int = Field(default=300, ge=1)
    cors_origins: tuple[str, ...] = Field(
        default=(),
        description="JSON list of the EHR origins (scheme://host[:port]) whose browser-based "
        "CDS clients may call CDS Hooks (CORS); none by default.",
    )


@cache
def get_interop_settings() -> InteropSettings:
    return InteropSettings()
