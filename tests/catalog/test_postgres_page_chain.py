"""PostgresCatalog's page-write chain: the ways are tried in their stated order, each miss
passes the page on with the reason, the first outcome wins and is remembered as the page's
digest. (Which way real pages take is ``test_postgres_wire``'s.)"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pytest

pytest.importorskip("psycopg")

from ocean_core.catalog import PageOutcome, encode
from ocean_core.catalog._postgres_page import Miss, PageWrite
from ocean_core.catalog._postgres_page_chain import (
    GeneralDirect,
    GeneralStaged,
    KnownDigests,
    PageWriteChain,
    WireMarkSeen,
    WireNewPage,
)

pytestmark = pytest.mark.anyio

ROWS = [encode("a", "svc", None, {}, {})]


def page(seq: int, digest: bytes = b"d") -> PageWrite:
    return PageWrite("i", "svc", seq, 1, ROWS, digest, None)


class Way:
    def __init__(self, name: str, log: list[Any], answer: PageOutcome | Miss) -> None:
        self.name, self.log, self.answer = name, log, answer

    async def attempt(
        self, page: PageWrite, known: bytes | None, misses: Sequence[Miss]
    ) -> PageOutcome | Miss:
        self.log.append((self.name, known, list(misses)))
        return self.answer


def digests(stored: dict[int, bytes]) -> KnownDigests:
    async def in_thread(fn: Callable[[Any], Any]) -> Any:
        return dict(stored)

    return KnownDigests(in_thread)


async def test_misses_pass_the_page_on_in_order_and_the_first_outcome_wins() -> None:
    log: list[Any] = []
    done = PageOutcome(upserted=1, unchanged=0)
    chain = PageWriteChain(
        [Way("one", log, Miss.BUSY), Way("two", log, Miss.CHANGED), Way("three", log, done),
         Way("four", log, PageOutcome(0, 0))],
        digests({0: b"old"}),
    )
    assert await chain.write(page(0)) is done
    assert log == [
        ("one", b"old", []), ("two", b"old", [Miss.BUSY]),
        ("three", b"old", [Miss.BUSY, Miss.CHANGED]),
    ]
    log.clear()
    await chain.write(page(0))  # the digest written is the one known now
    assert log[0] == ("one", b"d", [])


async def test_a_chain_whose_every_way_misses_says_so() -> None:
    chain = PageWriteChain([Way("only", [], Miss.BUSY)], digests({}))
    with pytest.raises(AssertionError, match="BUSY"):
        await chain.write(page(0))


async def test_each_way_passes_what_it_cannot_write() -> None:
    """The guards of the standard ways, which need no database to say no."""
    unknown = page(3)
    assert await WireNewPage(wire=None).attempt(unknown, b"x", []) is Miss.NOT_NEW  # type: ignore[arg-type]
    assert await WireMarkSeen(wire=None).attempt(unknown, None, []) is (  # type: ignore[arg-type]
        Miss.NOT_KNOWN_UNCHANGED
    )
    assert await WireMarkSeen(wire=None).attempt(unknown, b"x", []) is (  # type: ignore[arg-type]
        Miss.NOT_KNOWN_UNCHANGED
    )

    async def never(fn: Callable[[Any], Any]) -> Any:
        raise AssertionError("no thread for a page the direct way cannot write")

    direct = GeneralDirect(never)
    assert await direct.attempt(unknown, None, [Miss.KEY_EXISTS]) is Miss.KEY_EXISTS


def test_the_standard_chain_is_in_the_stated_order() -> None:
    chain = PageWriteChain.standard(wire=None, in_thread=None)  # type: ignore[arg-type]
    assert [type(way) for way in chain._ways] == [
        WireNewPage, WireMarkSeen, GeneralDirect, GeneralStaged,
    ]
