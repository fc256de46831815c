"""Issue 16, point 8: an API token can be revoked, and signing out ends it too."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.web.helpers import PASSWORD, csrf_from


def _token(client: TestClient, username: str = "patient.a") -> str:
    response = client.post("/api/v1/session", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


def test_deleting_the_session_revokes_the_bearer_token(client: TestClient):
    """DELETE /api/v1/session answers 204 and the token no longer works."""
    headers = {"Authorization": f"Bearer {_token(client)}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert client.delete("/api/v1/session", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_revoking_one_token_leaves_the_others_working(client: TestClient):
    """Only the presented token ends; another sign-in of the same person goes on."""
    first = {"Authorization": f"Bearer {_token(client)}"}
    second = {"Authorization": f"Bearer {_token(client)}"}
    client.delete("/api/v1/session", headers=first)
    assert client.get("/api/v1/me", headers=second).status_code == 200


def test_deleting_the_session_without_a_token_is_401(client: TestClient):
    """Nothing to revoke without a sign-in: 401, not 405."""
    assert client.delete("/api/v1/session").status_code == 401


def test_signing_out_with_a_bearer_token_ends_that_token(client: TestClient):
    """The sign-out form, posted with a bearer token, ends the token as well as any cookie."""
    token = _token(client)
    headers = {"Authorization": f"Bearer {token}"}
    page = client.get("/home", headers=headers)
    assert page.status_code == 200, page.text
    response = client.post(
        "/signout",
        data={"csrf_token": csrf_from(page.text)},
        headers=headers,
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert client.get("/api/v1/me", headers=headers).status_code == 401
