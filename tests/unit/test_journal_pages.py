"""The journal read a page at a time (issue 15, item 8): `after` a cursor, `more` and `next`,
`limit` alone for the most recent entries, and never more than PAGE_LIMIT entries at once."""

from datetime import UTC, datetime

import pytest

from mock_server.simulation.journal import PAGE_LIMIT, Journal, JournalEntry, JournalQuery

MOMENT = datetime(2026, 1, 1, tzinfo=UTC)


def entry(operation: str = "search") -> JournalEntry:
    return JournalEntry(MOMENT, "GET", "/number/search", operation, "k", {}, 200, "{}", 1.0)


def filled(count: int, capacity: int | None = None, every: int = 1) -> Journal:
    """`count` entries; one in `every` a buy, the others searches."""
    journal = Journal(capacity or count)
    for index in range(count):
        journal.record(entry("buy" if index % every == 0 else "search"))
    return journal


def test_pages_after_a_cursor_walk_the_whole_journal_once() -> None:
    journal = filled(25)
    seen, after, more = [], 0, True
    while more:
        page = journal.page(JournalQuery(limit=10, after=after))
        seen += [e.id for e in page.entries]
        after, more = page.next, page.more
    assert seen == list(range(1, 26))


def test_the_last_page_says_no_more_and_keeps_the_cursor() -> None:
    journal = filled(5)
    page = journal.page(JournalQuery(limit=5, after=0))
    assert ([e.id for e in page.entries], page.more, page.next) == ([1, 2, 3, 4, 5], False, 5)
    empty = journal.page(JournalQuery(after=5))
    assert (empty.entries, empty.more, empty.next) == ([], False, 5)


def test_a_page_of_a_filter_skips_what_it_does_not_admit() -> None:
    journal = filled(30, every=3)  # ids 1, 4, 7, ... are buys
    page = journal.page(JournalQuery(operation="buy", limit=4, after=4))
    assert [e.id for e in page.entries] == [7, 10, 13, 16]
    assert (page.more, page.next) == (True, 16)


def test_after_a_cursor_the_ring_buffer_dropped() -> None:
    journal = filled(50, capacity=10)  # ids 41..50 are kept
    assert [e.id for e in journal.page(JournalQuery(after=3)).entries] == list(range(41, 51))
    assert [e.id for e in journal.page(JournalQuery(after=45)).entries] == list(range(46, 51))


def test_after_a_clear_the_ids_go_on() -> None:
    journal = filled(5)
    journal.clear()
    journal.record(entry())
    assert [e.id for e in journal.page(JournalQuery(after=0)).entries] == [6]
    assert [e.id for e in journal.page(JournalQuery(after=5)).entries] == [6]


def test_limit_alone_keeps_the_most_recent_oldest_first() -> None:
    journal = filled(20)
    page = journal.page(JournalQuery(limit=3))
    assert ([e.id for e in page.entries], page.more, page.next) == ([18, 19, 20], False, 20)


@pytest.mark.parametrize(
    "query",
    [
        pytest.param(JournalQuery(), id="no-parameters"),
        pytest.param(JournalQuery(after=0), id="after"),
        pytest.param(JournalQuery(limit=10**6), id="a-limit-past-the-page"),
    ],
)
def test_a_big_journal_is_never_read_whole(query: JournalQuery) -> None:
    journal = filled(PAGE_LIMIT * 3)
    page = journal.page(query)
    assert len(page.entries) == PAGE_LIMIT
    assert journal.count(JournalQuery()) == PAGE_LIMIT * 3
