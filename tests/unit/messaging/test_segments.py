"""The segment counter against the rules of Twilio's segment calculator and 3GPP TS 23.038."""

from __future__ import annotations

import pytest

from dispatch_desk.messaging.segments import GSM7, UCS2, count, describe

DIGITS = "1234567890"


def test_empty_body_is_no_segment() -> None:
    result = count("")
    assert (result.encoding, result.units, result.segments, result.remaining) == (GSM7, 0, 0, 160)


def test_plain_english_is_gsm7_one_segment() -> None:
    result = count("911, what is the address of your emergency?")
    assert result.encoding == GSM7
    assert result.units == result.characters == 43
    assert (result.segments, result.limit, result.remaining) == (1, 160, 117)
    assert result.ucs2_chars == ()


@pytest.mark.parametrize(
    ("length", "segments", "remaining"), [(160, 1, 0), (161, 2, 145), (306, 2, 0), (307, 3, 152)]
)
def test_gsm7_boundaries(length: int, segments: int, remaining: int) -> None:
    result = count("x" * length)
    assert (result.segments, result.remaining) == (segments, remaining)


def test_spanish_accents_in_the_basic_table_stay_gsm7() -> None:
    # ñ, é, ü, ¿ and ¡ are in the GSM-7 default alphabet; á, í, ó and ú are not.
    assert count("¿Está usted segura?").encoding == UCS2
    assert count("¿Necesita ayuda? Señal: ¡sí!").encoding == UCS2  # í
    result = count("¿Dónde?")
    assert result.encoding == UCS2 and result.ucs2_chars == ("ó",)
    assert count("¿Señor? ¡Ayuda ya!").encoding == GSM7


def test_extension_characters_take_two_septets() -> None:
    result = count("^{}\\[]~|€")
    assert result.encoding == GSM7
    assert (result.characters, result.units) == (9, 18)


def test_twilio_escape_character_in_one_segment() -> None:
    # Twilio's own example: '{' + 158 characters = 160 septets, one segment.
    body = "{" + (DIGITS * 16)[1:159]
    assert len(body) == 159
    result = count(body)
    assert (result.encoding, result.units, result.segments, result.remaining) == (GSM7, 160, 1, 0)


def test_twilio_escape_character_in_two_segments() -> None:
    body = "{" + (DIGITS * 16)[1:160]
    result = count(body)
    assert (result.units, result.segments) == (161, 2)


def test_escape_pair_is_never_split_between_segments() -> None:
    # 152 plain septets then '€' (2): the pair cannot straddle 153, so it opens segment 2,
    # which then holds it and ten more: 12 septets (a split pair would leave 11).
    result = count("x" * 152 + "€" + "y" * 10)
    assert (result.units, result.segments) == (164, 2)
    assert result.remaining == 153 - 12


def test_twilio_ucs2_one_segment() -> None:
    body = "😜" + (DIGITS * 7)[1:69]
    result = count(body)
    assert (result.encoding, result.units, result.segments, result.remaining) == (UCS2, 70, 1, 0)
    assert result.characters == 69
    assert result.ucs2_chars == ("😜",)


def test_twilio_ucs2_two_segments() -> None:
    body = "😜" + (DIGITS * 7)[1:70]
    result = count(body)
    assert (result.units, result.segments) == (71, 2)


def test_twilio_ucs2_three_segments_last_holds_one_character() -> None:
    # Twilio's segments test: the last of three segments holds only the final '4'.
    body = "😜" + (DIGITS * 14)[1:134]
    result = count(body)
    assert result.segments == 3
    assert result.remaining == 67 - 1


def test_twilio_gsm7_three_segments_last_holds_one_character() -> None:
    result = count((DIGITS * 31)[:307])
    assert (result.segments, result.remaining) == (3, 153 - 1)


def test_surrogate_pair_is_never_split() -> None:
    # 66 code units then an emoji (2): it does not fit in segment 1's 67, so opens segment 2.
    # Segment 2 then holds the emoji and five more: 7 units (a split pair would leave 6).
    result = count("ó" + "a" * 65 + "😀" + "b" * 5)
    assert result.units == 1 + 65 + 2 + 5
    assert result.segments == 2
    assert result.remaining == 67 - 7


def test_emoji_with_skin_tone_and_zwj_family_count_as_one_character() -> None:
    family = "👨\u200d👩\u200d👧"  # three people joined: 8 code units, one character
    thumbs = "👍🏽"
    result = count(f"ok {thumbs} {family}")
    assert result.encoding == UCS2
    assert result.characters == 3 + 1 + 1 + 1
    assert result.units == 3 + 4 + 1 + 8
    assert "\u200d" not in result.ucs2_chars


def test_flag_is_one_character_of_four_units() -> None:
    result = count("🇲🇽")
    assert (result.characters, result.units) == (1, 4)


def test_right_to_left_text_is_ucs2() -> None:
    result = count("مرحبا")
    assert result.encoding == UCS2
    assert (result.characters, result.units, result.segments) == (5, 5, 1)


def test_ten_kilobytes_counts_quickly_and_exactly() -> None:
    result = count("a" * 10_000)
    assert result.segments == -(-10_000 // 153)


def test_describe_says_why_ucs2() -> None:
    assert describe(count("Hello")) == "GSM-7 · 5/160 · 1 segment"
    line = describe(count("Hola 😀"))
    assert line.startswith("UCS-2 · 7/70 · 1 segment")
    assert "😀" in line
    assert describe(count("x" * 200)) == "GSM-7 · 47/153 · 2 segments"
