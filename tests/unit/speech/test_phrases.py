"""Phrases are spoken the same way every time: numbers, street suffixes and units read naturally."""

from __future__ import annotations

import pytest

from dispatch_desk.alerts.model import Phrase
from dispatch_desk.speech.numbers import cardinal, house_number, ordinal
from dispatch_desk.speech.phrases import PhraseBook, spoken_address, spoken_unit


@pytest.mark.parametrize(
    ("digits", "words"),
    [
        ("7", "seven"),
        ("40", "forty"),
        ("105", "one oh five"),
        ("400", "four hundred"),
        ("415", "four fifteen"),
        ("1200", "twelve hundred"),
        ("1234", "twelve thirty-four"),
        ("2000", "two thousand"),
        ("2005", "two thousand five"),
        ("12345", "one twenty-three forty-five"),
        ("0815", "zero eight one five"),
    ],
)
def test_house_numbers_are_read_in_pairs(digits: str, words: str) -> None:
    assert house_number(digits) == words


def test_cardinals_and_ordinals() -> None:
    assert cardinal(0) == "zero"
    assert cardinal(999_999) == "nine hundred ninety-nine thousand nine hundred ninety-nine"
    assert [ordinal(n) for n in (1, 2, 3, 12, 20, 21, 103)] == [
        "first",
        "second",
        "third",
        "twelfth",
        "twentieth",
        "twenty-first",
        "one hundred third",
    ]
    with pytest.raises(ValueError):
        cardinal(1_000_000)


@pytest.mark.parametrize(
    ("address", "english", "spanish"),
    [
        ("400 N Main St", "four hundred North Main Street", "400 North Main Street"),
        ("48 OAK AVE", "forty-eight Oak Avenue", "48 Oak Avenue"),
        (
            "1234 Elm Blvd Apt 3",
            "twelve thirty-four Elm Boulevard, Apartment three",
            "1234 Elm Boulevard, Apartment 3",
        ),
        ("2005 St Paul Ave", "two thousand five Saint Paul Avenue", "2005 Saint Paul Avenue"),
        ("Main St & 3rd Ave", "Main Street and Third Avenue", "Main Street y 3rd Avenue"),
        ("20 W 21st St", "twenty West Twenty-First Street", "20 West 21st Street"),
        (
            "75 Riverside Dr (Riverton Mall)",
            "seventy-five Riverside Drive, Riverton Mall",
            "75 Riverside Drive, Riverton Mall",
        ),
    ],
)
def test_addresses(address: str, english: str, spanish: str) -> None:
    assert spoken_address(address, "en") == english
    assert spoken_address(address, "es") == spanish


def test_units_are_named_as_on_the_radio() -> None:
    assert [spoken_unit(u) for u in ("M7", "E1", "BC1", "P11", "L2", "X12")] == [
        "Medic seven",
        "Engine one",
        "Battalion one",
        "Patrol eleven",
        "Ladder two",
        "X twelve",
    ]
    assert spoken_unit("m8", "es") == "Médico 8"


P1_MEDICAL = Phrase(
    "incident.new", {"priority": 1, "discipline": "ems", "address": "400 N Main St"}
)


def test_the_p1_medical_phrase_in_both_languages_every_time() -> None:
    english = {PhraseBook("en").render(P1_MEDICAL) for _ in range(3)}
    assert english == {"P one medical, four hundred North Main Street"}
    assert PhraseBook("es").render(P1_MEDICAL) == "Prioridad 1, médico, 400 North Main Street"


def test_missing_fields_leave_no_dangling_commas() -> None:
    book = PhraseBook("en")
    assert book.render(Phrase("video.live", {})) == "Caller video is live"
    assert book.render(Phrase("video.live", {"address": "12 Main St"})) == (
        "Caller video is live, twelve Main Street"
    )
    assert book.render(Phrase("unit.no_response", {"unit": "M7"})) == (
        "Medic seven, no response to status check"
    )
    assert PhraseBook("es").render(Phrase("call.unanswered", {"seconds": 25})) == (
        "Llamada sin contestar, 25 segundos"
    )


def test_unknown_phrases_and_languages_are_refused() -> None:
    with pytest.raises(KeyError):
        PhraseBook("en").render(Phrase("nope"))
    with pytest.raises(ValueError):
        PhraseBook("fr")
