"""RFC 8288 Link headers, parsed robustly."""

from __future__ import annotations

import ocean_core.http
from ocean_core.http import next_link, parse_link_header


def test_several_links_with_spaces_and_quoted_commas() -> None:
    header = ('<https://h/a?page=1>; rel="first", <https://h/a?page=3> ;title="a, b; c" ; '
              'rel = "next" ,<https://h/a?page=9>;rel=last')
    assert parse_link_header(header) == [
        ("https://h/a?page=1", {"rel": "first"}),
        ("https://h/a?page=3", {"title": "a, b; c", "rel": "next"}),
        ("https://h/a?page=9", {"rel": "last"}),
    ]
    assert next_link(header) == "https://h/a?page=3"


def test_rel_is_a_space_separated_list_and_case_insensitive() -> None:
    assert next_link('<https://h/2>; REL="Next last"') == "https://h/2"


def test_no_next() -> None:
    assert next_link('<https://h/1>; rel="prev"') is None
    assert next_link(None) is None
    assert next_link("garbage") is None


def test_all_names_exist() -> None:
    assert [n for n in ocean_core.http.__all__ if not hasattr(ocean_core.http, n)] == []
