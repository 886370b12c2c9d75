"""Phone numbers: every way a call-taker types one comes out as the same E.164 string."""

from __future__ import annotations

import pytest

from dispatch_desk.domain.phone import PhoneError, format_phone, normalize_phone


@pytest.mark.parametrize(
    "typed",
    [
        "(617) 555-0101",
        "617.555.0101",
        "617-555-0101",
        "6175550101",
        "1 617 555 0101",
        "1-617-555-0101",
        "+1 617 555 0101",
        "  617 555 0101  ",
        "617/555/0101",
    ],
)
def test_north_american_forms_normalise_alike(typed: str) -> None:
    assert normalize_phone(typed) == "+16175550101"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("+44 20 7946 0958", "+442079460958"),
        ("011 44 20 7946 0958", "+442079460958"),
        ("+33 1 23 45 67 89", "+33123456789"),
    ],
)
def test_international_forms(typed: str, expected: str) -> None:
    assert normalize_phone(typed) == expected


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter a callback number."),
        ("   ", "Enter a callback number."),
        ("617-555-O101", "digits only"),  # letter O for zero
        ("call me", "digits only"),
        ("555-0101", "has 10 digits; this has 7"),
        ("617 555 01011", "has 10 digits; this has 11"),
        ("(017) 555-0101", "cannot start with 0 or 1"),
        ("(617) 155-0101", "cannot start with 0 or 1"),
        ("+44 12", "8 to 15 digits after '+'"),
        ("+1 2345 6789 0123 456", "8 to 15 digits after '+'"),
        ("011 44", "8 to 15 digits after 011"),
    ],
)
def test_malformed_numbers_say_what_is_wrong(typed: str, message: str) -> None:
    result = normalize_phone(typed)
    assert isinstance(result, PhoneError)
    assert message in result.message


def test_format_shows_north_american_numbers_readably() -> None:
    assert format_phone("+16175550101") == "(617) 555-0101"
    assert format_phone("+442079460958") == "+442079460958"


def test_format_and_normalise_round_trip() -> None:
    assert normalize_phone(format_phone("+16175550101")) == "+16175550101"
