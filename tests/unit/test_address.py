"""Address keys: the same place however it was typed, so history and duplicates find it."""

from __future__ import annotations

import pytest

from dispatch_desk.domain.address import normalize_address


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("12 Main Street", "12 MAIN ST"),
        ("12 MAIN ST", "12 MAIN ST"),
        ("12 main st.", "12 MAIN ST"),
        ("  12   Main    Street ", "12 MAIN ST"),
        ("400 College Avenue", "400 COLLEGE AVE"),
        ("400 College Av", "400 COLLEGE AVE"),
        ("1200 Washington Boulevard", "1200 WASHINGTON BLVD"),
        ("7 Cedar Lane", "7 CEDAR LN"),
        ("9 Lake Shore Drive", "9 LAKE SHORE DR"),
    ],
)
def test_suffixes_are_abbreviated(typed: str, key: str) -> None:
    assert normalize_address(typed) == key


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("780 North Main Street", "780 N MAIN ST"),
        ("780 N. Main St", "780 N MAIN ST"),
        ("15 Main Street South", "15 MAIN ST S"),
        ("15 Main St S", "15 MAIN ST S"),
    ],
)
def test_directions_are_abbreviated_before_and_after(typed: str, key: str) -> None:
    assert normalize_address(typed) == key


@pytest.mark.parametrize(
    "typed",
    [
        "12 Main Street Apartment 4",
        "12 Main St Apt 4",
        "12 MAIN ST #4",
        "12 Main St, Apt. 4",
    ],
)
def test_unit_designators_agree(typed: str) -> None:
    assert normalize_address(typed) == "12 MAIN ST APT 4"


@pytest.mark.parametrize("typed", ["20 Fifth Avenue", "20 5th Ave", "20 5TH AVENUE"])
def test_ordinal_words_become_numbers(typed: str) -> None:
    assert normalize_address(typed) == "20 5TH AVE"


def test_street_named_like_a_suffix_keeps_its_name() -> None:
    # "Park" is a suffix only after the street name, not as the name itself.
    assert normalize_address("3 Park Place") == "3 PARK PL"


def test_different_houses_differ() -> None:
    assert normalize_address("12 Main Street") != normalize_address("14 Main Street")


@pytest.mark.parametrize("typed", ["", "   ", ".,;"])
def test_blank_is_empty(typed: str) -> None:
    assert normalize_address(typed) == ""
