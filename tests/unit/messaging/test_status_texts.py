"""The pieces of the status-text rules that need no store: wording, settings, class of service,
survey answers, and an agency's own templates."""

from __future__ import annotations

from pathlib import Path

import pytest

from dispatch_desk.config.settings import SettingsError
from dispatch_desk.demo.calls import DemoCallFeed
from dispatch_desk.domain.agency import ProfileError, load_apco_types, load_profile
from dispatch_desk.domain.calls import class_of_service_from_ali, is_mobile
from dispatch_desk.domain.enums import Discipline
from dispatch_desk.messaging import segments
from dispatch_desk.messaging import templates as words
from dispatch_desk.messaging.status_texts import parse_delays, rule_of_key, status_key
from dispatch_desk.services.surveys import parse_answer
from tests.helpers.core import START, make_core

RESOURCES = Path(__file__).resolve().parents[3] / "resources"


def _contexts() -> list[words.TextContext]:
    codes = sorted({*words.WHAT_WORDS["en"], "MEDFALL", "UNKNOWN"})
    return [
        words.TextContext(
            "Riverton 911", "26-000123", code, discipline, outcome, "https://rv.example/s/26"
        )
        for code in codes
        for discipline in Discipline
        for outcome in words.OUTCOME_WORDS_ES
    ]


@pytest.mark.parametrize("language", words.LANGUAGES)
def test_every_text_is_gsm7_and_at_most_two_segments(language: str) -> None:
    table = words.Templates()
    for name in words.TEMPLATES[language]:
        for context in _contexts():
            body = table.render(language, name, context)
            counted = segments.count(body)
            assert counted.is_gsm7, (name, body, counted.ucs2_chars)
            assert counted.segments <= 2, (name, body)
            assert "{" not in body and "  " not in body


@pytest.mark.parametrize("language", words.LANGUAGES)
def test_every_caller_text_offers_the_other_language(language: str) -> None:
    table = words.Templates()
    context = _contexts()[0]
    offer = words.OTHER_LANGUAGE[language]
    for name in words.TEMPLATES[language]:
        body = table.render(language, name, context)
        if name in (words.SURVEY_THANKS, words.LANGUAGE_SET):
            continue  # answers to the caller's own reply
        assert body.endswith(offer), name


def test_spanish_has_the_same_templates_as_english() -> None:
    assert set(words.TEMPLATES["es"]) == set(words.TEMPLATES["en"])
    assert set(words.WHAT_WORDS["es"]) == set(words.WHAT_WORDS["en"])


def test_language_falls_back_to_the_agency_default() -> None:
    assert words.language_of("es-MX", "en") == "es"
    assert words.language_of("", "es") == "es"
    assert words.language_of("fr", "en") == "en"
    assert words.language_of("fr", "de") == "en"


def test_delay_minutes_are_parsed_or_refused_plainly() -> None:
    assert parse_delays("15, 30") == (15, 30)
    assert parse_delays("30;15, 30") == (15, 30)
    assert parse_delays("") == ()
    with pytest.raises(ValueError, match="'abc' is not a number of minutes"):
        parse_delays("15, abc")
    with pytest.raises(ValueError, match="'0' is not"):
        parse_delays("0")


def test_a_bad_delay_setting_stops_the_desk_with_a_clear_message(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"texting\.delay_minutes: '15m'"):
        make_core(tmp_path, texting__delay_minutes="15m")


@pytest.mark.parametrize(
    ("ali", "expected", "mobile"),
    [
        ("WIRELESS SECTOR 2 NE · TOWER RVT-12 · UNC 800M", "WPH1", True),
        ("WPH2 +42.361 -71.057 CNF 90 UNC 50", "WPH2", True),
        ("12 Main St · LANDLINE", "RESD", False),
        ("BUSN 480 N MAIN ST RIVERTON", "BUSN", False),
        ("VOIP 22 ELM ST", "VOIP", False),
        ("", "", False),
        ("SOMETHING ELSE", "", False),
    ],
)
def test_class_of_service_from_ali(ali: str, expected: str, mobile: bool) -> None:
    assert class_of_service_from_ali(ali) == expected
    assert is_mobile(expected) is mobile


def test_demo_calls_carry_a_class_of_service_matching_their_ali() -> None:
    feed = DemoCallFeed(lambda: START, seed=7)
    calls = [feed.next_call() for _ in range(60)]
    for call in calls:
        if call.ali.endswith("LANDLINE"):
            assert call.class_of_service in ("RESD", "BUSN")
        else:
            assert call.class_of_service in ("WPH1", "WPH2", "VOIP")
    assert {c.class_of_service for c in calls} >= {"RESD", "WPH1", "WPH2", "VOIP"}


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("5", (5, "")),
        (" 4 ", (4, "")),
        ("4/5 quick", (4, "quick")),
        ("3 - slow but kind", (3, "slow but kind")),
        ("1. nobody came", (1, "nobody came")),
        ("5\nthank you!", (5, "thank you!")),
        ("6", None),
        ("10", None),
        ("45", None),
        ("five", None),
        ("", None),
        ("STOP", None),
    ],
)
def test_survey_answers(body: str, expected: tuple[int, str] | None) -> None:
    assert parse_answer(body) == expected


def test_a_long_comment_is_kept_to_1000_characters() -> None:
    score, comment = parse_answer("2 " + "x" * 5000)  # type: ignore[misc]
    assert score == 2 and len(comment) == 1000


def test_keys_name_their_rule() -> None:
    import uuid

    incident = uuid.uuid4()
    assert status_key(incident, "on_scene") == f"status:{incident}:on_scene"
    assert rule_of_key(status_key(incident, "delay_15")) == "delay_15"
    assert rule_of_key(f"survey:{incident}") == "survey"
    assert rule_of_key(f"survey:{incident}:thanks") == "survey_thanks"


def _profile(tmp_path: Path, extra: str) -> Path:
    text = (RESOURCES / "agency" / "demo.toml").read_text(encoding="utf-8")
    path = tmp_path / "agency.toml"
    path.write_text(text + "\n" + extra, encoding="utf-8")
    return path


def test_an_agency_rewords_a_template_in_its_profile(tmp_path: Path) -> None:
    apco = load_apco_types(RESOURCES / "incident_types" / "apco_2103.csv")
    path = _profile(
        tmp_path,
        '[text_templates.en]\nconfirm = "{agency} got {what} ({number}). {other}"\n',
    )
    profile = load_profile(path, apco)
    table = words.Templates(profile.text_templates)
    context = words.TextContext("RV", "26-1", "BURG", Discipline.POLICE)
    assert table.render("en", "confirm", context) == (
        "RV got your burglary report (26-1). Para español, responda ES."
    )
    assert table.render("es", "confirm", context).startswith("RV: recibimos")


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('[text_templates.en]\nconfirm = "{agency} {caller_name}"\n', "unknown field"),
        ('[text_templates.en]\nwelcome = "hi"\n', "unknown template"),
        ('[text_templates.fr]\nconfirm = "salut"\n', "the languages are en and es"),
        ('[text_templates.en]\nconfirm = "{agency"\n', "not a valid template"),
    ],
)
def test_a_bad_agency_template_is_refused_with_where_it_is(
    tmp_path: Path, extra: str, message: str
) -> None:
    apco = load_apco_types(RESOURCES / "incident_types" / "apco_2103.csv")
    with pytest.raises(ProfileError, match=message) as refused:
        load_profile(_profile(tmp_path, extra), apco)
    assert "text_templates" in str(refused.value)
