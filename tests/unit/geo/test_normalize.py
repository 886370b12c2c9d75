"""What call-takers type, taken apart the same way the GIS names are: street keys, house
numbers, intersections, units, noise; and the spelling corrector against brute force."""

from __future__ import annotations

import random
import string

import pytest

from dispatch_desk.domain.address import normalize_address, normalize_street
from dispatch_desk.geo.fuzzy import WordCorrector, allowed_edits, edit_distance
from dispatch_desk.geo.parse import (
    clean,
    parse_house,
    read_leftover,
    split_brackets,
    split_intersection,
)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Mount Auburn Street", "Mt. Auburn St"),
        ("Sixth St", "6th Street"),
        ("Gray Gardens East", "Gray Gdns E"),
        ("Gerry's Landing Rd", "Gerrys Landing Road"),
        ("Concord Tpk", "Concord Turnpike"),
        ("Acorn Pk", "Acorn Park"),
        ("Saint Paul Street", "St Paul St"),
        ("North First Street", "N 1st St"),
        ("massachusetts avenue", "MASSACHUSETTS AVE"),
        ("Elm Street North", "Elm St N"),
    ],
)
def test_street_spellings_share_one_key(one: str, other: str) -> None:
    assert normalize_street(one) == normalize_street(other)
    assert normalize_street(one)  # and it is not empty


@pytest.mark.parametrize(
    ("one", "other"),
    [("Park Ave", "Ave Park"), ("Elm St N", "Elm St"), ("N Main St", "S Main St")],
)
def test_different_streets_keep_different_keys(one: str, other: str) -> None:
    assert normalize_street(one) != normalize_street(other)


def test_a_type_word_as_the_name_stays_a_name() -> None:
    # "Park" names the street here; only after the name is it a type.
    assert normalize_street("Park Ave").split()[0] == "PARK"
    assert normalize_street("Court St").split()[0] == "COURT"


def test_the_history_key_is_unchanged_by_the_street_rules() -> None:
    # normalize_address is the duplicate/history key: the geocoder's extra forms stay out of it.
    assert normalize_address("9 Acorn Pk") == "9 ACORN PK"
    assert normalize_address("330 Mount Auburn Street") == "330 MOUNT AUBURN ST"


@pytest.mark.parametrize(
    ("typed", "number", "suffix", "rest"),
    [
        ("16 ABERDEEN AVE", 16, "", ["ABERDEEN", "AVE"]),
        ("11-A FOO ST", 11, "A", ["FOO", "ST"]),
        ("11A FOO ST", 11, "A", ["FOO", "ST"]),
        ("10 1/2 FOO ST", 10, "1/2", ["FOO", "ST"]),
        ("10-1/2 FOO ST", 10, "1/2", ["FOO", "ST"]),
        ("1493-1495 CAMBRIDGE ST", 1493, "", ["CAMBRIDGE", "ST"]),
        ("5 N MAIN ST", 5, "", ["N", "MAIN", "ST"]),
        ("16 ABERDEEN AVE # 3", 16, "", ["ABERDEEN", "AVE", "#", "3"]),
    ],
)
def test_house_numbers(typed: str, number: int, suffix: str, rest: list[str]) -> None:
    house = parse_house(typed)
    assert house is not None
    assert (house.number, house.suffix, house.rest) == (number, suffix, rest)


@pytest.mark.parametrize("typed", ["MAIN ST", "2ND AVE", "12345", "", "APT 3"])
def test_no_house_number(typed: str) -> None:
    assert parse_house(typed) is None


@pytest.mark.parametrize(
    ("typed", "sides"),
    [
        ("MAIN ST & 2ND AVE", ("MAIN ST", "2ND AVE")),
        ("MAIN ST AND 2ND AVE", ("MAIN ST", "2ND AVE")),
        ("MAIN ST AT 2ND AVE", ("MAIN ST", "2ND AVE")),
        ("MAIN ST/2ND AVE", ("MAIN ST", "2ND AVE")),
        ("MAIN ST @ 2ND AVE", ("MAIN ST", "2ND AVE")),
        ("2ND AVE / 5TH ST", ("2ND AVE", "5TH ST")),
    ],
)
def test_intersections(typed: str, sides: tuple[str, str]) -> None:
    assert split_intersection(typed) == sides


@pytest.mark.parametrize("typed", ["10 1/2 FOO ST", "12 MAIN ST & ELM", "A & B & C", "MAIN ST &"])
def test_not_intersections(typed: str) -> None:
    assert split_intersection(typed) is None


def test_brackets_and_noise() -> None:
    main, inside = split_brackets(clean("780 N Main St (Food King Supermarket) · LANDLINE"))
    assert main == "780 N MAIN ST LANDLINE"
    assert inside == ["FOOD KING SUPERMARKET"]
    assert clean("🚑 16 Åberdeen Ave") == "16 ABERDEEN AVE"
    assert clean("شارع الملك فهد") == ""
    assert clean("x" * 5000) == ""  # far too long to be an address: no work at all


def test_leftovers_after_the_street() -> None:
    towns = frozenset({"CAMBRIDGE"})
    assert read_leftover(["APT", "3"], towns).unit == "APT 3"
    assert read_leftover(["#", "3"], towns).unit == "APT 3"
    assert read_leftover(["3"], towns).unit == "APT 3"
    quiet = read_leftover(["CAMBRIDGE", "MA", "02138"], towns)
    assert (quiet.unit, quiet.ignored) == ("", [])
    assert read_leftover(["LANDLINE"], towns).ignored == ["LANDLINE"]


def _levenshtein_with_swaps(a: str, b: str) -> int:
    """Textbook optimal string alignment, written out plainly for comparison."""
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


def _mutate(rng: random.Random, word: str) -> str:
    letters = list(word)
    for _ in range(rng.randint(1, 3)):
        op = rng.choice("dis")
        i = rng.randrange(len(letters))
        if op == "d" and len(letters) > 1:
            del letters[i]
        elif op == "i":
            letters.insert(i, rng.choice(string.ascii_uppercase))
        else:
            letters[i] = rng.choice(string.ascii_uppercase)
    return "".join(letters)


def test_edit_distance_agrees_with_the_textbook() -> None:
    rng = random.Random(3)
    for _ in range(400):
        a = "".join(rng.choice("ABCDE") for _ in range(rng.randint(0, 9)))
        b = "".join(rng.choice("ABCDE") for _ in range(rng.randint(0, 9)))
        expected = _levenshtein_with_swaps(a, b)
        assert edit_distance(a, b, 3) == min(expected, 4)


def test_corrector_finds_exactly_the_words_within_reach() -> None:
    rng = random.Random(5)
    vocabulary = {
        "".join(rng.choice(string.ascii_uppercase) for _ in range(rng.randint(3, 12)))
        for _ in range(300)
    }
    vocabulary |= {"MASSACHUSETTS", "CAMBRIDGE", "PROSPECT", "BROADWAY"}
    corrector = WordCorrector(vocabulary)
    for word in [_mutate(rng, rng.choice(sorted(vocabulary))) for _ in range(100)]:
        limit = allowed_edits(word)
        expected = {
            v
            for v in vocabulary
            if (d := _levenshtein_with_swaps(word, v)) <= min(limit, allowed_edits(v))
            and (d > 0 or word == v)
            and len(v) >= 5  # short names are never guessed
            and (len(word) != 4 or len(v) == 5)  # four typed letters: only a letter lost
        }
        if word in vocabulary:
            expected = {word}
        assert {w for w, _ in corrector.candidates(word)} == expected, word


def test_corrector_on_the_words_people_misspell() -> None:
    corrector = WordCorrector({"MASSACHUSETTS", "CAMBRIDGE", "ABERDEEN", "ELM", "EMS"})
    assert corrector.candidates("MASACHUSETTS") == [("MASSACHUSETTS", 1)]
    assert corrector.candidates("MASACHUSETS") == [("MASSACHUSETTS", 2)]
    assert corrector.candidates("CAMBRIGE") == [("CAMBRIDGE", 1)]
    assert corrector.candidates("ELN") == []  # three letters: too short to guess
    assert corrector.candidates("EMSS") == []  # nor guessed towards a short word
    assert corrector.candidates("CAMB") == []  # four letters: one lost at most
    assert WordCorrector({"PEARL", "DANA"}).candidates("PERL") == [("PEARL", 1)]
    assert WordCorrector({"PEARL", "DANA"}).candidates("DANE") == []
    assert corrector.candidates("QWERTY") == []
