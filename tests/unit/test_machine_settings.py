"""The machine-wide settings an installer writes, and the uninstall's clean-up."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest

from dispatch_desk.config.machine import purge_local_data, set_machine_settings
from dispatch_desk.config.paths import resolve_paths
from dispatch_desk.config.settings import SettingsError, load_settings
from ui.main import main


def test_values_are_merged_checked_and_read_back_by_the_desk(tmp_path: Path) -> None:
    target = tmp_path / "etc" / "settings.toml"
    target.parent.mkdir()
    target.write_text('[ui]\nfont_pt = 12.0\n\n[central]\nurl = "postgresql://old/cad"\n')
    target.chmod(0o644)  # as the installer left it, whatever this process's umask
    written = set_machine_settings(
        target,
        [
            "central.url=postgresql://db.example/cad?sslmode=require",
            "gateway.url=",  # an MSI property that was not given
            'gateway.public_url=https://help.example.org/"quoted"',
        ],
    )
    assert written == ["central.url", "gateway.public_url"]
    data = tomllib.loads(target.read_text(encoding="utf-8"))
    assert data["central"]["url"] == "postgresql://db.example/cad?sslmode=require"
    assert data["gateway"] == {"public_url": 'https://help.example.org/"quoted"'}
    assert data["ui"]["font_pt"] == 12.0  # what was there stays
    assert target.stat().st_mode & 0o777 == 0o644
    paths = resolve_paths(tmp_path / "home")
    settings = load_settings(paths, config_file=target)
    assert settings.central.url.endswith("sslmode=require")


@pytest.mark.parametrize(
    "assignment, message",
    [
        ("central.bogus=1", "unknown setting central.bogus"),
        ("nosuch.url=x", "unknown section [nosuch]"),
        ("central.poll_s=often", "central.poll_s"),
        ("central", "expected section.key=value"),
    ],
)
def test_a_bad_value_is_refused_and_the_file_is_untouched(
    tmp_path: Path, assignment: str, message: str
) -> None:
    target = tmp_path / "settings.toml"
    target.write_text('[central]\nurl = "postgresql://kept/cad"\n')
    before = target.read_bytes()
    with pytest.raises(SettingsError, match=message.replace("[", r"\[").replace("]", r"\]")):
        set_machine_settings(target, ["gateway.url=wss://gw/desk", assignment])
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["settings.toml"]  # no scratch left


def test_a_broken_existing_file_is_reported_not_overwritten(tmp_path: Path) -> None:
    target = tmp_path / "settings.toml"
    target.write_text("[central\nurl = \n")
    with pytest.raises(SettingsError, match="not valid TOML, left as it is"):
        set_machine_settings(target, ["central.url=postgresql://db/cad"])
    assert target.read_text() == "[central\nurl = \n"


def test_the_command_writes_and_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "machine.toml"
    code = main(
        [
            "--home",
            str(tmp_path / "home"),
            "machine-settings",
            "--file",
            str(target),
            "--set",
            "central.url=postgresql://db/cad",
            "--set",
            "gateway.url=wss://gw.example/desk",
        ]
    )
    assert code == 0
    assert "wrote central.url, gateway.url" in capsys.readouterr().out
    home = str(tmp_path / "home")  # the refusal is audited in this home, not the runner's
    assert (
        main(["--home", home, "machine-settings", "--file", str(target), "--set", "gateway.port=x"])
        == 2
    )
    assert "unknown setting gateway.port" in capsys.readouterr().err
    assert tomllib.loads(target.read_text())["gateway"]["url"] == "wss://gw.example/desk"


@pytest.mark.parametrize(
    "platform, folders",
    [
        ("linux", [".local/share", ".local/state", ".config", ".cache"]),
        ("win32", ["AppData/Local", "AppData/Roaming"]),
    ],
)
def test_purge_removes_only_the_desks_folders(
    tmp_path: Path, platform: str, folders: list[str]
) -> None:
    machine = tmp_path / "machine.toml"
    machine.write_text("[central]\n")
    users = tmp_path / "users"
    for user in ("ana", "ben"):
        for folder in folders:
            desk = users / user / folder / "dispatch-desk"
            desk.mkdir(parents=True)
            (desk / "cache.sqlite3").write_text("x")
            (users / user / folder / "other-app").mkdir()
    (users / "ana" / "notes.txt").write_text("keep")
    removed = purge_local_data(machine, users, platform)
    assert len(removed) == 1 + 2 * len(folders)
    assert not machine.exists()
    assert not list(users.rglob("dispatch-desk"))
    assert len(list(users.rglob("other-app"))) == 2 * len(folders)
    assert (users / "ana" / "notes.txt").read_text() == "keep"


def test_a_new_settings_file_is_readable_by_every_user_whatever_the_umask(tmp_path: Path) -> None:
    target = tmp_path / "etc" / "settings.toml"
    target.parent.mkdir()
    old = os.umask(0o077)  # an installer run under a strict umask
    try:
        set_machine_settings(target, ["central.url=postgresql://db.example/cad"])
    finally:
        os.umask(old)
    assert target.stat().st_mode & 0o777 == 0o644  # every user's desk reads it
