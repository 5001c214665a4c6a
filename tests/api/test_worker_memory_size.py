"""Worker memories are bounded by size as well as by number, least recently used first."""

import datetime as dt

from api.hot import ENTRY_OVERHEAD, WorkerMemory, hot_document_for

WHEN = dt.datetime(2026, 12, 5, tzinfo=dt.UTC)


def _document(size: int) -> object:
    return hot_document_for(
        body=b"x" * size, etag='"e"', last_modified=WHEN, cache_control="public"
    )


def test_a_memory_keeps_at_most_its_bytes_dropping_the_least_recently_used() -> None:
    entry = 1000 + ENTRY_OVERHEAD
    memory = WorkerMemory(maxsize=100, maxbytes=3 * entry, ttl=None)
    for key in "abc":
        memory.put(key, _document(1000))
    assert memory.currsize == 3 * entry
    assert memory.get("a") is not None  # "b" is now the least recently used
    memory.put("d", _document(1000))
    assert memory.get("b") is None
    assert [k for k in "acd" if memory.get(k) is None] == []
    assert memory.currsize <= 3 * entry


def test_an_entry_bigger_than_the_budget_is_not_kept_and_evicts_nothing() -> None:
    memory = WorkerMemory(maxsize=100, maxbytes=10_000, ttl=None)
    memory.put("small", _document(100))
    memory.put("huge", _document(50_000))
    assert memory.get("huge") is None
    assert memory.get("small") is not None


def test_the_number_of_entries_stays_bounded_too() -> None:
    memory = WorkerMemory(maxsize=2, maxbytes=10_000_000, ttl=None)
    for key in "abc":
        memory.put(key, _document(10))
    assert len(memory) == 2 and memory.get("a") is None
