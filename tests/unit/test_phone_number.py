"""What `POST /number/update` sets, by update mode: the fields given, and the others cleared
(replace, the live API's behaviour) or kept (merge)."""

import pytest

from mock_server.domain.phone_number import CONFIG_FIELDS, UpdateMode, update_fields

URL = "https://example.com/mo"
CLEARED = dict.fromkeys(CONFIG_FIELDS)


@pytest.mark.parametrize(
    ("given", "mode", "expected"),
    [
        pytest.param({}, UpdateMode.REPLACE, CLEARED, id="replace-nothing-clears-all"),
        pytest.param(
            {"mo_http_url": URL},
            UpdateMode.REPLACE,
            CLEARED | {"mo_http_url": URL},
            id="replace-one-clears-the-rest",
        ),
        pytest.param(
            {"mo_http_url": None, "app_id": "a"},
            UpdateMode.REPLACE,
            CLEARED | {"app_id": "a"},
            id="replace-empty-clears",
        ),
        pytest.param({}, UpdateMode.MERGE, {}, id="merge-nothing-sets-nothing"),
        pytest.param(
            {"mo_http_url": URL}, UpdateMode.MERGE, {"mo_http_url": URL}, id="merge-one-sets-one"
        ),
        pytest.param(
            {"mo_http_url": None}, UpdateMode.MERGE, {"mo_http_url": None}, id="merge-empty-clears"
        ),
    ],
)
def test_update_fields(
    given: dict[str, str | None], mode: UpdateMode, expected: dict[str, str | None]
) -> None:
    assert update_fields(given, mode) == expected


def test_replace_names_every_configuration_field_in_order() -> None:
    assert tuple(update_fields({"app_id": "a"}, UpdateMode.REPLACE)) == CONFIG_FIELDS
    assert len(CONFIG_FIELDS) == 8
