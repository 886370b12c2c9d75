"""Intake validation: each bad field gets a message the call-taker can act on, and the draft
keeps every character that was typed."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from dispatch_desk.config.paths import resolve_paths
from dispatch_desk.domain.agency import IncidentTypeCatalog, load_apco_types, load_profile
from dispatch_desk.domain.enums import CallKind
from dispatch_desk.domain.intake import (
    FieldError,
    IntakeDraft,
    ValidIntake,
    validate_intake,
    validate_narrative,
)
from tests.helpers.core import draft

MAX_NARRATIVE = 20000  # the settings default


@pytest.fixture(scope="module")
def catalog() -> IncidentTypeCatalog:
    resources: Path = resolve_paths().resources_dir
    apco = load_apco_types(resources / "incident_types" / "apco_2103.csv")
    return IncidentTypeCatalog(load_profile(resources / "agency" / "demo.toml", apco))


def errors_for(entry: IntakeDraft, catalog: IncidentTypeCatalog) -> dict[str, str]:
    """Validate and return {field: message}, checking the draft was left exactly as typed."""
    before = copy.deepcopy(entry)
    result = validate_intake(entry, catalog, MAX_NARRATIVE)
    assert entry == before, "validation changed the draft"
    assert isinstance(result, list), f"expected field errors, got {result}"
    assert all(isinstance(e, FieldError) for e in result)
    return {e.field: e.message for e in result}


def test_default_draft_is_valid(catalog: IncidentTypeCatalog) -> None:
    result = validate_intake(draft(), catalog, MAX_NARRATIVE)
    assert isinstance(result, ValidIntake)
    assert result.callback_e164 == "+16175550101"
    assert result.ani_e164 == "+16175550101"
    assert result.address == "12 Main Street"
    assert result.address_key == "12 MAIN ST"
    assert result.incident_type.code == "MEDFALL"
    assert result.priority == 3  # the type's default
    assert result.call_kind == CallKind.PHONE


def test_values_are_tidied(catalog: IncidentTypeCatalog) -> None:
    result = validate_intake(
        draft(
            address="  12   Main  Street ",
            caller_name="  Pat  ",
            narrative="  text \n",
            priority=" 1 ",
            incident_type="medfall · Fall",
            ani="",
        ),
        catalog,
        MAX_NARRATIVE,
    )
    assert isinstance(result, ValidIntake)
    assert result.address == "12 Main Street"
    assert result.caller_name == "Pat"
    assert result.narrative == "text"
    assert result.priority == 1
    assert result.ani_e164 is None


def test_empty_phone(catalog: IncidentTypeCatalog) -> None:
    errors = errors_for(draft(callback_number=""), catalog)
    assert errors == {"callback_number": "Enter a callback number."}


def test_malformed_phone(catalog: IncidentTypeCatalog) -> None:
    errors = errors_for(draft(callback_number="617-555-01"), catalog)
    assert errors == {"callback_number": "A North American number has 10 digits; this has 8."}


def test_malformed_ani_is_its_own_field(catalog: IncidentTypeCatalog) -> None:
    errors = errors_for(draft(ani="unknown"), catalog)
    assert list(errors) == ["ani"]
    assert errors["ani"].startswith("ANI: ")


@pytest.mark.parametrize("priority", ["high", "1a", "0", "6", "-1", "2.5", "one"])
def test_text_or_out_of_range_priority(catalog: IncidentTypeCatalog, priority: str) -> None:
    errors = errors_for(draft(priority=priority), catalog)
    assert errors == {"priority": "Priority is a number from 1 (most urgent) to 5."}


def test_digit_like_symbol_in_priority_is_a_field_error(catalog: IncidentTypeCatalog) -> None:
    errors = errors_for(draft(priority="²"), catalog)
    assert list(errors) == ["priority"]


def test_unknown_type(catalog: IncidentTypeCatalog) -> None:
    errors = errors_for(draft(incident_type="  UFO sighting "), catalog)
    assert list(errors) == ["incident_type"]
    assert "Unknown incident type 'UFO sighting'" in errors["incident_type"]


def test_missing_type(catalog: IncidentTypeCatalog) -> None:
    errors = errors_for(draft(incident_type="   "), catalog)
    assert errors == {"incident_type": "Choose an incident type."}


def test_missing_address(catalog: IncidentTypeCatalog) -> None:
    errors = errors_for(draft(address="  \t "), catalog)
    assert errors == {"address": "Enter the incident address or a landmark."}


def test_overlong_fields(catalog: IncidentTypeCatalog) -> None:
    errors = errors_for(
        draft(address="9 " + "x" * 400, caller_name="n" * 201, ali="a" * 2001), catalog
    )
    assert set(errors) == {"address", "caller_name", "ali"}


def test_100_kb_narrative(catalog: IncidentTypeCatalog) -> None:
    narrative = "Caller reports " + "x" * 100_000
    entry = draft(narrative=narrative)
    errors = errors_for(entry, catalog)
    assert list(errors) == ["narrative"]
    assert f"{len(narrative):,} characters" in errors["narrative"]
    assert "at most 20,000" in errors["narrative"]
    assert "nothing has been removed" in errors["narrative"]
    assert entry.narrative == narrative


def test_narrative_at_the_limit_is_fine(catalog: IncidentTypeCatalog) -> None:
    assert isinstance(
        validate_intake(draft(narrative="x" * MAX_NARRATIVE), catalog, MAX_NARRATIVE), ValidIntake
    )
    assert validate_narrative("x" * MAX_NARRATIVE, MAX_NARRATIVE) is None
    assert validate_narrative("x" * (MAX_NARRATIVE + 1), MAX_NARRATIVE) is not None


def test_every_bad_field_is_reported_at_once(catalog: IncidentTypeCatalog) -> None:
    entry = IntakeDraft(
        callback_number="abc",
        address="",
        incident_type="nope",
        priority="urgent",
        narrative="y" * 100_000,
    )
    errors = errors_for(entry, catalog)
    assert set(errors) == {"callback_number", "address", "incident_type", "priority", "narrative"}
