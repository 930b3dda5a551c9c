"""ormlint.jsonrpc's tolerant framing, fed in chunks (the language server's tests drive it through
a real pipe)."""

from __future__ import annotations

import json

from ormlint.jsonrpc import HEADER_OVERLAP, MAX_CONTENT_LENGTH, MessageReader, frame

SHUTDOWN = {"jsonrpc": "2.0", "id": 9, "method": "shutdown"}


def read_all(*chunks: bytes) -> list:
    pending = iter(chunks)
    reader = MessageReader(lambda size: next(pending, b""))
    found = []
    while (received := reader.read_message()) is not None:
        found.append(received.value if received.error is None else "parse error")
    return found


def test_a_message_cut_anywhere_is_read_whole() -> None:
    data = frame(SHUTDOWN) * 2
    for cut in range(1, len(data)):
        assert read_all(data[:cut], data[cut:]) == [SHUTDOWN, SHUTDOWN]
    assert read_all(*(data[i:i + 1] for i in range(len(data)))) == [SHUTDOWN, SHUTDOWN]


def test_headers_other_than_content_length_and_bare_newlines() -> None:
    body = json.dumps(SHUTDOWN).encode()
    data = b"Content-Type: application/vscode-jsonrpc; charset=utf-8\r\nCONTENT-LENGTH:%d\n\n" % len(body)
    assert read_all(data + body) == [SHUTDOWN]


def test_junk_without_headers_is_skipped_in_bounded_memory() -> None:
    junk = [b"x" * 50_000 for _ in range(20)]
    assert read_all(*junk, frame(SHUTDOWN)) == [SHUTDOWN]
    assert read_all(b"junk" * HEADER_OVERLAP) == []


def test_a_body_too_large_for_the_limit_is_dropped_up_to_the_next_header() -> None:
    header = b"Content-Length: %d\r\n\r\n" % (MAX_CONTENT_LENGTH + 1)
    assert read_all(header, b"y" * 100_000, b"z" * 100_000, frame(SHUTDOWN)) == [SHUTDOWN]


def test_end_of_input_in_a_body_is_a_parse_error() -> None:
    assert read_all(b'Content-Length: 50\r\n\r\n{"jsonrpc": "2.0", "id": 1') == ["parse error"]


def test_a_body_that_is_not_json() -> None:
    assert read_all(b"Content-Length: 3\r\n\r\n\xff\xfe{", frame(SHUTDOWN)) == [
        "parse error", SHUTDOWN,
    ]
