"""The audit chains named "central" and "central-retention" are central's own: no workstation
may take those names (its chain would merge with central's and never verify)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dispatch_desk.config.paths import resolve_paths
from dispatch_desk.config.settings import SettingsError, load_settings


@pytest.mark.parametrize("name", ["central", "central-retention", "Central", " central "])
def test_a_reserved_workstation_id_is_refused_with_a_clear_message(
    tmp_path: Path, name: str
) -> None:
    paths = resolve_paths(tmp_path)
    with pytest.raises(SettingsError) as refused:
        load_settings(paths, environ={}, overrides=[f"workstation.id={name}"])
    message = str(refused.value)
    assert message.startswith("workstation.id:"), message
    assert "reserved for the central database's own audit chains" in message


def test_other_workstation_ids_are_fine(tmp_path: Path) -> None:
    paths = resolve_paths(tmp_path)
    settings = load_settings(paths, environ={}, overrides=["workstation.id=central-desk-2"])
    assert settings.workstation.id == "central-desk-2"
