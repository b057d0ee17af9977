"""mock_server.compare: the request plan is read-only and complete; the report and its URLs."""

import json
from collections import Counter

import pytest

from mock_server.compare import report
from mock_server.compare.command import display_url
from mock_server.compare.plan import ACCEPT, PLAN, Credentials, PlannedRequest
from mock_server.compare.structure import ABSENT, Aspect, Captured, Difference

READ_ONLY_PATHS = {"/number/search", "/account/numbers"}


def test_the_plan_only_reads() -> None:
    assert {request.path for request in PLAN} == READ_ONLY_PATHS


def test_credentials_never_travel_in_the_query() -> None:
    for request in PLAN:
        names = {name for name, _ in request.params}
        assert not names & {"api_key", "api_secret"}, request.name


def test_every_request_is_sent_in_json_and_in_xml() -> None:
    formats = Counter(request.name.rsplit(", ", 1)[0] for request in PLAN)
    assert set(formats.values()) == {len(ACCEPT)}
    assert {request.accept for request in PLAN} == {"application/json", "text/xml"}
    assert len({request.name for request in PLAN}) == len(PLAN)


def test_each_search_pattern_mode_and_a_search_with_no_match() -> None:
    searches = [dict(r.params) for r in PLAN if r.path == "/number/search" and r.format == "JSON"]
    modes = Counter(s.get("search_pattern") for s in searches if "country" in s and "pattern" in s)
    # starts with and no match; contains; ends with and ends with a wildcard
    assert modes == {"0": 2, "1": 1, "2": 2}
    assert any(s.get("pattern", "").startswith("*") for s in searches)
    assert any("country" not in s for s in searches)


def test_one_request_in_each_format_carries_a_wrong_secret() -> None:
    wrong = [r for r in PLAN if r.credentials is Credentials.WRONG_SECRET]
    assert sorted(r.format for r in wrong) == sorted(ACCEPT)


SEARCH = PlannedRequest("search, JSON", "/number/search", (("country", "GB"),), "JSON")
SAME = Captured(200, "application/json", b"{}")
DIFFERENCE = Difference(Aspect.KEY, "$.numbers", "array", ABSENT)


def test_text_report_tables_the_differences() -> None:
    outcomes = [
        report.Outcome(SEARCH, SAME, SAME, []),
        report.Outcome(SEARCH, SAME, SAME, [DIFFERENCE]),
    ]
    text = report.text("http://127.0.0.1:1", "https://rest.example", outcomes)
    assert "search, JSON: GET /number/search?country=GB\n  same structure" in text
    assert "  aspect  where      mock   against\n  key     $.numbers  array  (absent)\n" in text
    assert text.endswith("1 of 2 requests differ (1 difference).\n")


def test_json_report() -> None:
    document = json.loads(
        report.as_json("m", "a", [report.Outcome(SEARCH, SAME, SAME, [DIFFERENCE])])
    )
    assert document["differing"] == 1
    (entry,) = document["requests"]
    assert entry["target"] == "/number/search?country=GB"
    assert entry["differences"] == [
        {"aspect": "key", "where": "$.numbers", "mock": "array", "against": ABSENT}
    ]


def test_no_difference_summary() -> None:
    assert report.summary([report.Outcome(SEARCH, SAME, SAME, [])]) == (
        "No structural difference in 1 request."
    )


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        pytest.param("https://rest.nexmo.com", "https://rest.nexmo.com", id="plain"),
        pytest.param("https://key:secret@rest.nexmo.com/", "https://rest.nexmo.com/",
                     id="userinfo-removed"),
    ],
)  # fmt: skip
def test_display_url(url: str, shown: str) -> None:
    assert display_url(url) == shown
