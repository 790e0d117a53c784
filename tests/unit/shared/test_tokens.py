from __future__ import annotations

import base64
import json
import uuid
from datetime import timedelta

import jwt
import pytest

from shared.config import Settings
from shared.errors import Unauthorized
from shared.rbac import Role
from shared.security.tokens import bearer_token, decode_access_token, issue_access_token

SETTINGS = Settings(_env_file=None)  # type: ignore[call-arg]


def _issue() -> str:
    token, _ = issue_access_token(
        SETTINGS, user_id=uuid.uuid4(), email="a@example.com", role=Role.VENDOR
    )
    return token


def test_round_trip_carries_the_design_claims() -> None:
    token = _issue()
    payload = jwt.decode(token, options={"verify_signature": False})
    assert {"userId", "email", "role", "iat", "exp", "jti"} <= set(payload)
    claims = decode_access_token(token, SETTINGS)
    assert claims.role is Role.VENDOR
    assert claims.email == "a@example.com"


def _unsigned(payload: dict[str, object]) -> str:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(payload)}."


def test_alg_none_is_rejected() -> None:
    payload = jwt.decode(_issue(), options={"verify_signature": False})
    with pytest.raises(Unauthorized):
        decode_access_token(_unsigned(payload), SETTINGS)


def test_another_algorithm_is_rejected() -> None:
    payload = jwt.decode(_issue(), options={"verify_signature": False})
    forged = jwt.encode(payload, SETTINGS.jwt_secret, algorithm="HS512")
    with pytest.raises(Unauthorized):
        decode_access_token(forged, SETTINGS)


def test_wrong_secret_is_rejected() -> None:
    payload = jwt.decode(_issue(), options={"verify_signature": False})
    forged = jwt.encode(payload, "another secret of the same kind!!", algorithm="HS256")
    with pytest.raises(Unauthorized):
        decode_access_token(forged, SETTINGS)


@pytest.mark.parametrize("missing", ["exp", "iat", "jti", "typ", "role"])
def test_tokens_missing_a_required_claim_are_rejected(missing: str) -> None:
    payload = jwt.decode(_issue(), options={"verify_signature": False})
    del payload[missing]
    token = jwt.encode(payload, SETTINGS.jwt_secret, algorithm="HS256")
    with pytest.raises(Unauthorized):
        decode_access_token(token, SETTINGS)


def test_other_token_kinds_are_not_access_tokens() -> None:
    payload = jwt.decode(_issue(), options={"verify_signature": False})
    payload["typ"] = "refresh"
    token = jwt.encode(payload, SETTINGS.jwt_secret, algorithm="HS256")
    with pytest.raises(Unauthorized):
        decode_access_token(token, SETTINGS)


def test_expired_tokens_say_so() -> None:
    expired = SETTINGS.model_copy(update={"jwt_expires_in": timedelta(seconds=-5)})
    token, _ = issue_access_token(expired, user_id=uuid.uuid4(), email="a@b.co", role=Role.ADMIN)
    with pytest.raises(Unauthorized) as caught:
        decode_access_token(token, SETTINGS)
    assert caught.value.code == "TOKEN_EXPIRED"


def test_bearer_header_parsing() -> None:
    assert bearer_token(None) is None
    assert bearer_token("Bearer abc") == "abc"
    with pytest.raises(Unauthorized):
        bearer_token("Basic abc")


def test_a_verified_token_is_remembered_until_it_expires(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The second decode of a token skips verification, not the expiry check."""
    from shared.security import tokens

    token = _issue()
    claims = decode_access_token(token, SETTINGS)
    verified: list[str] = []
    monkeypatch.setattr(tokens, "_verify", lambda t, s: verified.append(t))
    assert decode_access_token(token, SETTINGS) is claims
    assert verified == []
    later = claims.expires_at.timestamp()
    monkeypatch.setattr(tokens.time, "time", lambda: later)
    with pytest.raises(Unauthorized) as caught:
        decode_access_token(token, SETTINGS)
    assert caught.value.code == "TOKEN_EXPIRED"


def test_a_token_remembered_under_one_secret_is_refused_under_another() -> None:
    token = _issue()
    decode_access_token(token, SETTINGS)
    other = SETTINGS.model_copy(update={"jwt_secret": "another secret of the same kind!!" * 2})
    with pytest.raises(Unauthorized) as caught:
        decode_access_token(token, other)
    assert caught.value.code == "INVALID_TOKEN"
    tampered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    with pytest.raises(Unauthorized):
        decode_access_token(tampered, SETTINGS)
