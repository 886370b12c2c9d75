"""Preset texts: every one in English and Spanish, stable ids, hotkeys, agency overrides."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from dispatch_desk.messaging.presets import DEFAULT_PRESETS, GROUPS, find, load_presets
from dispatch_desk.messaging.segments import count


def test_every_preset_has_both_languages_and_fits_one_segment_in_english() -> None:
    ids = [p.id for p in DEFAULT_PRESETS]
    assert len(ids) == len(set(ids))
    for preset in DEFAULT_PRESETS:
        assert preset.en.strip() and preset.es.strip() and preset.en != preset.es
        assert preset.group in GROUPS
        assert count(preset.en).segments == 1, preset.id  # a preset never costs two segments
        assert count(preset.es).segments <= 2, preset.id


def test_the_brief_s_presets_exist() -> None:
    by_id = {p.id: p for p in DEFAULT_PRESETS}
    assert "address" in by_id["greeting"].en and by_id["greeting"].en.startswith("911")
    assert "safe to talk" in by_id["safe_to_talk"].en
    assert "closing" in by_id
    assert "location" in by_id
    for group in ("police", "fire", "ems"):
        assert len([p for p in DEFAULT_PRESETS if p.group == group]) >= 3, group


def test_hotkeys_are_one_to_nine_each_once() -> None:
    keys = sorted(p.hotkey for p in DEFAULT_PRESETS if p.hotkey is not None)
    assert keys == list(range(1, 10))


def test_text_by_language() -> None:
    greeting = DEFAULT_PRESETS[0]
    assert greeting.text("es").startswith("911. ¿Cuál")
    assert greeting.text("en") == greeting.en
    assert greeting.text("fr") == greeting.en  # no such language: English


def test_find_filters_by_every_word_in_the_chosen_language() -> None:
    assert [p.id for p in find(DEFAULT_PRESETS, "weap", "en")] == ["police_weapons"]
    assert [p.id for p in find(DEFAULT_PRESETS, "armas", "es")] == ["police_weapons"]
    assert {p.id for p in find(DEFAULT_PRESETS, "fire", "en")} >= {"fire_get_out", "fire_what"}
    assert find(DEFAULT_PRESETS, "", "en") == list(DEFAULT_PRESETS)


def test_agency_profile_rewords_and_adds(tmp_path: Path) -> None:
    profile = tmp_path / "agency.toml"
    profile.write_text(
        '[agency]\nname = "X"\n'
        '[[text_presets]]\nid = "greeting"\nen = "Riverton 911. Where are you?"\n'
        '[[text_presets]]\nid = "river"\nlabel = "River rescue"\ngroup = "fire"\n'
        'en = "Are you in the water?"\nes = "¿Está en el agua?"\n',
        encoding="utf-8",
    )
    presets = {p.id: p for p in load_presets(profile)}
    assert presets["greeting"].en == "Riverton 911. Where are you?"
    assert presets["greeting"].es.startswith("911. ¿Cuál")  # Spanish kept
    assert presets["greeting"].hotkey == 1
    assert presets["river"].group == "fire" and presets["river"].es == "¿Está en el agua?"


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ('id = "new_one"\nen = "Only English"\n', "needs both en and es"),
        ('en = "x"\nes = "y"\n', "no id"),
        ('id = "greeting"\nen = ""\n', "non-empty"),
        ('id = "x"\nen = "a"\nes = "b"\ngroup = "sheriff"\n', "group must be"),
    ],
)
def test_bad_agency_entries_are_skipped_with_a_reason(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, entry: str, problem: str
) -> None:
    profile = tmp_path / "agency.toml"
    profile.write_text(f"[[text_presets]]\n{entry}", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        presets = load_presets(profile)
    assert [p.id for p in presets][: len(DEFAULT_PRESETS)] == [p.id for p in DEFAULT_PRESETS]
    assert presets[0].en == DEFAULT_PRESETS[0].en
    assert any(problem in r.getMessage() for r in caplog.records)


def test_unreadable_profile_keeps_the_defaults(tmp_path: Path) -> None:
    broken = tmp_path / "agency.toml"
    broken.write_text("[[text_presets]\nid = ", encoding="utf-8")
    assert load_presets(broken) == DEFAULT_PRESETS
    assert load_presets(tmp_path / "missing.toml") == DEFAULT_PRESETS
    assert load_presets(None) == DEFAULT_PRESETS
