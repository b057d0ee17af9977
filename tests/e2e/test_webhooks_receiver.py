"""The webhook receiver of tests/support/webhooks.py: the webhook tests rely on what it reports."""

import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from support.webhooks import Receiver, refusing_url, running_receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as started:
        yield started


# -- the receiver's own tests: the webhook tests rely on what it reports -----------------------


def test_the_receiver_records_a_get_and_answers_its_status(receiver: Receiver) -> None:
    receiver.status, receiver.body = 404, b"nope"

    with pytest.raises(urllib.error.HTTPError) as answered:
        urllib.request.urlopen(f"{receiver.url}/hook?a=1&b=x+y", timeout=5)

    assert answered.value.code == 404
    assert answered.value.read() == b"nope"
    [request] = receiver.requests
    assert (request.method, request.path, request.query) == ("GET", "/hook", {"a": "1", "b": "x y"})


def test_the_receiver_records_a_post_body(receiver: Receiver) -> None:
    request = urllib.request.Request(
        f"{receiver.url}/in", b'{"a": "b"}', {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200

    [received] = receiver.requests
    assert received.method == "POST"
    assert received.headers["content-type"] == "application/json"
    assert received.json() == {"a": "b"}


def test_a_refusing_url_refuses() -> None:
    with refusing_url() as url, pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url, timeout=5)
