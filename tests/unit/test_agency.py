"""The agency profile and the incident type catalogue built on the APCO 2.103 list."""

from __future__ import annotations

from pathlib import Path

import pytest

from dispatch_desk.config.paths import resolve_paths
from dispatch_desk.domain.agency import (
    ApcoType,
    IncidentTypeCatalog,
    ProfileError,
    load_apco_types,
    load_profile,
)
from dispatch_desk.domain.enums import Discipline, Role

RESOURCES = resolve_paths().resources_dir
DEMO_PROFILE = RESOURCES / "agency" / "demo.toml"

GOOD_TYPES = """incident_types = [
  { code = "MEDCARD", label = "Cardiac / chest pain", apco = "CARDIAC", priority = 1, discipline = "ems" },
  { code = "fire1", label = "Structure fire", apco = "fstru", priority = 1, discipline = "fire" },
]
"""
REST = """units = [{ call_sign = " e1 ", discipline = "fire" }]
dispositions = ["Report taken"]
users = [{ username = "u", name = "U", role = "dispatcher", password = "password-1" }]
[agency]
name = "Test agency"
code = "TST"
"""


@pytest.fixture(scope="module")
def apco() -> dict[str, ApcoType]:
    return load_apco_types(RESOURCES / "incident_types" / "apco_2103.csv")


@pytest.fixture(scope="module")
def catalog(apco: dict[str, ApcoType]) -> IncidentTypeCatalog:
    return IncidentTypeCatalog(load_profile(DEMO_PROFILE, apco, with_users=True))


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "agency.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_apco_list_is_loaded(apco: dict[str, ApcoType]) -> None:
    assert len(apco) > 150
    assert apco["CARDIAC"].code == "CARDIAC"
    assert apco["911H"].name == "911 HANG UP"


def test_demo_profile_loads(apco: dict[str, ApcoType]) -> None:
    profile = load_profile(DEMO_PROFILE, apco, with_users=True)
    assert profile.code == "RVT"
    assert {u.username for u in profile.users} == {"calltaker", "dispatcher", "supervisor", "admin"}
    assert "Report taken" in profile.dispositions
    assert len(profile.units) >= 10
    assert len({t.code for t in profile.incident_types}) == len(profile.incident_types)


def test_users_are_read_only_when_asked(apco: dict[str, ApcoType]) -> None:
    assert load_profile(DEMO_PROFILE, apco).users == ()


def test_codes_and_call_signs_are_normalised(tmp_path: Path, apco: dict[str, ApcoType]) -> None:
    profile = load_profile(write(tmp_path, GOOD_TYPES + REST), apco, with_users=True)
    assert [t.code for t in profile.incident_types] == ["MEDCARD", "FIRE1"]
    assert profile.incident_types[1].apco_code == "FSTRU"
    assert profile.units[0].call_sign == "E1"
    assert profile.users[0].role == Role.DISPATCHER


def _profile_error(tmp_path: Path, apco: dict[str, ApcoType], text: str) -> str:
    path = write(tmp_path, text)
    with pytest.raises(ProfileError) as caught:
        load_profile(path, apco, with_users=True)
    message = str(caught.value)
    assert str(path) in message, "a profile error must name the file"
    return message


def test_unknown_apco_code_names_file_and_entry(tmp_path: Path, apco: dict[str, ApcoType]) -> None:
    text = GOOD_TYPES.replace('apco = "fstru"', 'apco = "NOTATYPE"')
    message = _profile_error(tmp_path, apco, text + REST)
    assert "incident type FIRE1" in message
    assert "'NOTATYPE' is not in the APCO 2.103 list" in message


@pytest.mark.parametrize("priority", ["0", "6", "-1"])
def test_priority_out_of_range_names_the_entry(
    tmp_path: Path, apco: dict[str, ApcoType], priority: str
) -> None:
    text = GOOD_TYPES.replace(
        'priority = 1, discipline = "fire"', f'priority = {priority}, discipline = "fire"'
    )
    message = _profile_error(tmp_path, apco, text + REST)
    assert "incident type FIRE1" in message
    assert f"priority must be 1 to 5, got {priority}" in message


@pytest.mark.parametrize("priority", ['"1"', "true", "1.0"])
def test_priority_of_the_wrong_kind_names_the_entry(
    tmp_path: Path, apco: dict[str, ApcoType], priority: str
) -> None:
    text = GOOD_TYPES.replace(
        'priority = 1, discipline = "fire"', f'priority = {priority}, discipline = "fire"'
    )
    message = _profile_error(tmp_path, apco, text + REST)
    assert "incident type FIRE1" in message
    assert "'priority' must be a int" in message


def test_duplicated_code_names_the_entry(tmp_path: Path, apco: dict[str, ApcoType]) -> None:
    text = GOOD_TYPES.replace('code = "fire1"', 'code = "medcard"')
    message = _profile_error(tmp_path, apco, text + REST)
    assert "incident type MEDCARD" in message
    assert "code used twice" in message


def test_missing_key_names_the_entry_number(tmp_path: Path, apco: dict[str, ApcoType]) -> None:
    text = GOOD_TYPES.replace('code = "fire1", ', "")
    message = _profile_error(tmp_path, apco, text + REST)
    assert "incident_types #2" in message
    assert "'code' is missing" in message


def test_unknown_discipline_lists_the_allowed(tmp_path: Path, apco: dict[str, ApcoType]) -> None:
    message = _profile_error(
        tmp_path, apco, GOOD_TYPES + REST.replace('discipline = "fire"', 'discipline = "navy"')
    )
    assert "units #1" in message
    assert "'navy' is not one of police, fire, ems, other" in message


def test_unknown_user_role_names_the_user(tmp_path: Path, apco: dict[str, ApcoType]) -> None:
    message = _profile_error(
        tmp_path, apco, GOOD_TYPES + REST.replace('role = "dispatcher"', 'role = "boss"')
    )
    assert "users #1" in message and "'boss'" in message


def test_bad_toml_names_the_file(tmp_path: Path, apco: dict[str, ApcoType]) -> None:
    message = _profile_error(tmp_path, apco, GOOD_TYPES + "units = [\n" + REST)
    assert "not valid TOML" in message


def test_no_dispositions_is_refused(tmp_path: Path, apco: dict[str, ApcoType]) -> None:
    message = _profile_error(tmp_path, apco, GOOD_TYPES + REST.replace('["Report taken"]', "[]"))
    assert "'dispositions' must list at least one" in message


def test_unreadable_profile_names_the_file(tmp_path: Path, apco: dict[str, ApcoType]) -> None:
    path = tmp_path / "missing.toml"
    with pytest.raises(ProfileError, match="cannot be read") as caught:
        load_profile(path, apco)
    assert str(path) in str(caught.value)


# -- the catalogue


@pytest.mark.parametrize(
    "typed",
    [
        "MEDCARD",
        "medcard",
        "  MedCard ",
        "MEDCARD · Cardiac / chest pain",
        "Cardiac / chest pain",
        "cardiac / CHEST PAIN",
    ],
)
def test_resolve_agency_type_by_code_label_or_display(
    catalog: IncidentTypeCatalog, typed: str
) -> None:
    found = catalog.resolve(typed)
    assert found is not None
    assert found.code == "MEDCARD"
    assert found.apco_code == "CARDIAC"
    assert found.priority == 1
    assert found.discipline == Discipline.EMS


def test_display_form_round_trips(catalog: IncidentTypeCatalog) -> None:
    for kind in catalog.all():
        assert catalog.resolve(kind.display()) == kind


def test_resolve_by_apco_code_of_a_mapped_type(catalog: IncidentTypeCatalog) -> None:
    found = catalog.resolve("CARDIAC")
    assert found is not None and found.code == "MEDCARD"


def test_unmapped_apco_types_are_usable(
    catalog: IncidentTypeCatalog, apco: dict[str, ApcoType]
) -> None:
    assert "ABDOM" not in {t.apco_code for t in catalog.all() if t.code != "ABDOM"}
    for typed in ("ABDOM", "abdom", "Abdominal", "ABDOM · Abdominal"):
        found = catalog.resolve(typed)
        assert found is not None, typed
        assert found.code == "ABDOM"
        assert found.apco_code == "ABDOM"
        assert found.priority == 3
        assert found.discipline == Discipline.OTHER
    assert catalog.get("abdom") == catalog.resolve("ABDOM")


def test_mapped_apco_types_appear_once(catalog: IncidentTypeCatalog) -> None:
    kinds = catalog.all()
    assert [k.code for k in kinds] == sorted(k.code for k in kinds)
    apco_codes = [k.apco_code for k in kinds]
    assert len(apco_codes) == len(set(apco_codes))
    assert "CARDIAC" not in {k.code for k in kinds}  # shown as MEDCARD, not twice


@pytest.mark.parametrize("typed", ["", "   ", "NOSUCHTYPE", "Cardia", "· Cardiac / chest pain"])
def test_resolve_refuses_unknown_text(catalog: IncidentTypeCatalog, typed: str) -> None:
    assert catalog.resolve(typed) is None


def test_sensitive_types_are_marked(catalog: IncidentTypeCatalog) -> None:
    domestic = catalog.resolve("DOMV")
    assert domestic is not None and domestic.sensitive is True
    medcard = catalog.resolve("MEDCARD")
    assert medcard is not None and medcard.sensitive is False
