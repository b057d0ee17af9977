"""vonage.credentials and Accounts.authenticate: where credentials come from and who they name."""

import base64
from decimal import Decimal

import pytest

from mock_server.domain import messages
from mock_server.domain.accounts import Account, Accounts
from mock_server.domain.errors import AuthenticationFailed
from mock_server.vonage.credentials import Credentials, credentials, from_basic_header


def basic(raw: bytes | str, scheme: str = "Basic") -> str:
    data = raw.encode() if isinstance(raw, str) else raw
    return f"{scheme} {base64.b64encode(data).decode()}"


@pytest.mark.parametrize(
    ("authorization", "expected"),
    [
        pytest.param(basic("1a2b3c4d:MockSecret123456"), ("1a2b3c4d", "MockSecret123456"), id="ok"),
        pytest.param(basic("key:secret", "basic"), ("key", "secret"), id="lowercase-scheme"),
        pytest.param(basic("key:secret", "BASIC"), ("key", "secret"), id="uppercase-scheme"),
        pytest.param(basic("key:se:cr:et"), ("key", "se:cr:et"), id="secret-containing-colons"),
        pytest.param(basic("key:"), ("key", ""), id="empty-secret"),
        pytest.param(basic(":secret"), ("", "secret"), id="empty-key"),
        pytest.param(basic("clé:sécret"), ("clé", "sécret"), id="utf-8"),
        pytest.param(
            "Basic   " + base64.b64encode(b"key:secret").decode() + "  ",
            ("key", "secret"),
            id="extra-spaces",
        ),
        pytest.param(None, None, id="absent"),
        pytest.param("", None, id="empty"),
        pytest.param("Basic", None, id="scheme-only"),
        pytest.param("Basic ", None, id="scheme-and-space-only"),
        pytest.param(basic("key:secret", "Bearer"), None, id="wrong-scheme"),
        pytest.param(basic("key:secret", "Digest"), None, id="digest-scheme"),
        pytest.param("Basic !!!not-base64!!!", None, id="bad-base64"),
        pytest.param("Basic a2V5OnNlY3JldA", None, id="missing-padding"),
        pytest.param(basic("keysecret"), None, id="no-colon"),
        pytest.param(basic(b"\xff\xfe:\xfd"), None, id="not-utf-8"),
    ],
)
def test_from_basic_header(authorization: str | None, expected: tuple[str, str] | None) -> None:
    parsed = from_basic_header(authorization)
    if expected is None:
        assert parsed is None
    else:
        assert parsed == Credentials(*expected)


HEADER = basic("header-key:header-secret")
PARAMS = {"api_key": "param-key", "api_secret": "param-secret"}


@pytest.mark.parametrize(
    ("authorization", "params", "expected"),
    [
        pytest.param(HEADER, PARAMS, ("header-key", "header-secret"), id="header-beats-params"),
        pytest.param(HEADER, {}, ("header-key", "header-secret"), id="header-only"),
        pytest.param(None, PARAMS, ("param-key", "param-secret"), id="params-fallback"),
        pytest.param(
            basic("key:secret", "Bearer"), PARAMS, ("param-key", "param-secret"), id="not-basic"
        ),
        pytest.param(
            "Basic %%%", PARAMS, ("param-key", "param-secret"), id="malformed-header-falls-back"
        ),
        pytest.param(None, {"api_key": "k"}, ("k", None), id="key-without-secret"),
        pytest.param(None, {"api_secret": "s"}, (None, "s"), id="secret-without-key"),
        pytest.param(None, {}, (None, None), id="nothing"),
        pytest.param(None, {"apiKey": "k", "secret": "s"}, (None, None), id="other-names"),
    ],
)
def test_credentials(
    authorization: str | None, params: dict[str, str], expected: tuple[str | None, str | None]
) -> None:
    assert credentials(authorization, params) == Credentials(*expected)


def make_accounts() -> Accounts:
    return Accounts(
        [
            Account("1a2b3c4d", "MockSecret123456", Decimal("1000.00")),
            Account("5e6f7a8b", "SubSecret1234567", Decimal("100.00"), parent="1a2b3c4d"),
        ]
    )


@pytest.mark.parametrize(
    ("api_key", "api_secret", "expected"),
    [
        pytest.param("1a2b3c4d", "MockSecret123456", "1a2b3c4d", id="master"),
        pytest.param("5e6f7a8b", "SubSecret1234567", "5e6f7a8b", id="subaccount"),
        pytest.param("1a2b3c4d", "MockSecret12345", None, id="wrong-secret-prefix"),
        pytest.param("1a2b3c4d", "mocksecret123456", None, id="wrong-secret-case"),
        pytest.param("1a2b3c4d", "SubSecret1234567", None, id="another-accounts-secret"),
        pytest.param("1A2B3C4D", "MockSecret123456", None, id="key-is-case-sensitive"),
        pytest.param("unknown0", "MockSecret123456", None, id="unknown-key"),
        pytest.param("unknown0", "\0" * 16, None, id="unknown-key-dummy-secret"),
        pytest.param("1a2b3c4d", None, None, id="no-secret"),
        pytest.param("1a2b3c4d", "", None, id="empty-secret"),
        pytest.param(None, "MockSecret123456", None, id="no-key"),
        pytest.param("", "MockSecret123456", None, id="empty-key"),
        pytest.param(None, None, None, id="nothing"),
        pytest.param("", "", None, id="both-empty"),
        pytest.param("1a2b3c4d", "MockSecret123456é", None, id="non-ascii-secret"),
    ],
)
def test_authenticate(api_key: str | None, api_secret: str | None, expected: str | None) -> None:
    accounts = make_accounts()
    if expected is not None:
        assert accounts.authenticate(api_key, api_secret) is accounts.get(expected)
        return
    with pytest.raises(AuthenticationFailed) as caught:
        accounts.authenticate(api_key, api_secret)
    assert caught.value.error_code == "401"
    assert caught.value.label == messages.AUTHENTICATION_FAILED


def test_header_credentials_authenticate_end_to_end() -> None:
    found = credentials(basic("5e6f7a8b:SubSecret1234567"), {"api_key": "1a2b3c4d"})
    account = make_accounts().authenticate(found.api_key, found.api_secret)
    assert account.api_key == "5e6f7a8b"
    assert account.parent == "1a2b3c4d"
