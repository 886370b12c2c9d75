"""Settings: defaults, the layers in order, and bad values reported with where they came from."""

from __future__ import annotations

from pathlib import Path

import pytest

from dispatch_desk.config.paths import Paths, resolve_paths
from dispatch_desk.config.settings import SettingsError, describe_settings, load_settings


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    resolved = resolve_paths(tmp_path / "home")
    resolved.ensure()
    return resolved


def test_defaults_with_nothing_configured(paths: Paths) -> None:
    settings = load_settings(paths, environ={})
    assert settings.store.busy_timeout_ms == 3000
    assert settings.store.synchronous == "FULL"
    assert settings.session.max_failed_logins == 5
    assert settings.intake.duplicate_window_min == 30
    assert settings.demo_mode is True
    assert settings.store_file(paths) == paths.default_store_file


def test_home_roots_every_folder(tmp_path: Path) -> None:
    paths = resolve_paths(tmp_path / "home")
    home = (tmp_path / "home").resolve()
    for folder in (paths.config_dir, paths.data_dir, paths.state_dir, paths.log_dir):
        assert folder.is_relative_to(home)
    assert paths.default_store_file.parent == paths.data_dir
    assert (paths.migrations_dir / "env.py").is_file()
    assert (paths.resources_dir / "agency" / "demo.toml").is_file()


def test_layers_apply_most_specific_last(paths: Paths, tmp_path: Path) -> None:
    paths.machine_config_file.write_text(
        "[store]\nbusy_timeout_ms = 1000\n[intake]\nhistory_limit = 10\n"
        "[session]\nmax_failed_logins = 9\n[ui]\nfont_pt = 12\n"
    )
    paths.user_config_file.write_text(
        "[store]\nbusy_timeout_ms = 2000\n[intake]\nhistory_limit = 20\n"
        "[session]\nmax_failed_logins = 8\n"
    )
    extra = tmp_path / "extra.toml"
    extra.write_text("[store]\nbusy_timeout_ms = 4000\n[intake]\nhistory_limit = 40\n")
    settings = load_settings(
        paths,
        config_file=extra,
        environ={
            "DISPATCH_DESK_STORE__BUSY_TIMEOUT_MS": "5000",
            "UNRELATED": "x",
            "DISPATCH_DESK_HOME": "/ignored",
        },
        overrides=["store.busy_timeout_ms=6000"],
    )
    assert settings.ui.font_pt == 12.0  # machine only
    assert settings.session.max_failed_logins == 8  # user beats machine
    assert settings.intake.history_limit == 40  # --config beats user
    assert settings.store.busy_timeout_ms == 6000  # --set beats environment


def test_environment_beats_files(paths: Paths) -> None:
    paths.user_config_file.write_text("[intake]\nduplicate_window_min = 10\n")
    settings = load_settings(paths, environ={"DISPATCH_DESK_INTAKE__DUPLICATE_WINDOW_MIN": "45"})
    assert settings.intake.duplicate_window_min == 45


def test_real_environment_is_not_read_when_environ_given(
    paths: Paths, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISPATCH_DESK_STORE__BUSY_TIMEOUT_MS", "7")
    assert load_settings(paths, environ={}).store.busy_timeout_ms == 3000
    assert load_settings(paths).store.busy_timeout_ms == 7


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("store.busy_timeout_ms=abc", "expected int"),
        ("store.busy_timeout_ms=-1", "at least 0"),
        ("store.busy_timeout_ms=60001", "at most 60000"),
        ("store.synchronous=OFF", "must be one of NORMAL, FULL"),
        ("session.max_failed_logins=0", "at least 1"),
        ("demo.call_interval_s=fast", "expected float"),
        ("nosuch.key=1", "unknown section [nosuch]"),
        ("store.nosuch=1", "unknown setting store.nosuch"),
        ("store.busy_timeout_ms", "expected section.key=value"),
        ("busy_timeout_ms=3", "expected section.key=value"),
    ],
)
def test_bad_override_names_the_setting(paths: Paths, override: str, expected: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(paths, environ={}, overrides=[override])
    assert expected in str(caught.value)
    assert "--set" in str(caught.value)


def test_bad_file_value_names_file_and_key(paths: Paths) -> None:
    paths.user_config_file.write_text('[store]\nbusy_timeout_ms = "soon"\n')
    with pytest.raises(SettingsError) as caught:
        load_settings(paths, environ={})
    message = str(caught.value)
    assert str(paths.user_config_file) in message
    assert "store.busy_timeout_ms" in message
    assert "expected int" in message


def test_fractional_number_for_an_int_setting_is_refused(paths: Paths) -> None:
    paths.user_config_file.write_text("[store]\nbusy_timeout_ms = 1.5\n")
    with pytest.raises(SettingsError, match="expected int"):
        load_settings(paths, environ={})


def test_boolean_for_an_int_setting_is_refused(paths: Paths) -> None:
    paths.user_config_file.write_text("[store]\nbusy_timeout_ms = true\n")
    with pytest.raises(SettingsError, match="expected int"):
        load_settings(paths, environ={})


def test_bad_toml_is_reported_with_the_file(paths: Paths) -> None:
    paths.user_config_file.write_text("[store\nbusy_timeout_ms = 1\n")
    with pytest.raises(SettingsError) as caught:
        load_settings(paths, environ={})
    assert str(paths.user_config_file) in str(caught.value)
    assert "not valid TOML" in str(caught.value)


def test_top_level_value_instead_of_table_is_refused(paths: Paths) -> None:
    paths.user_config_file.write_text("store = 3\n")
    with pytest.raises(SettingsError, match="must be a \\[section\\] table"):
        load_settings(paths, environ={})


def test_missing_config_file_is_refused(paths: Paths, tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="no such settings file"):
        load_settings(paths, environ={}, config_file=tmp_path / "missing.toml")


def test_bad_environment_value_names_the_variable(paths: Paths) -> None:
    with pytest.raises(SettingsError, match="environment DISPATCH_DESK_SESSION__MAX_FAILED_LOGINS"):
        load_settings(paths, environ={"DISPATCH_DESK_SESSION__MAX_FAILED_LOGINS": "many"})


def test_store_path_setting_moves_the_file(paths: Paths, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere" / "desk.sqlite3"
    settings = load_settings(paths, environ={}, overrides=[f"store.path={target}"])
    assert settings.store_file(paths) == target


def test_agency_profile_path_leaves_demo_mode(paths: Paths) -> None:
    settings = load_settings(paths, environ={}, overrides=["agency.profile=/srv/agency.toml"])
    assert settings.demo_mode is False


def test_every_setting_is_described() -> None:
    names = {name for name, _, _ in describe_settings()}
    assert {
        "store.busy_timeout_ms",
        "session.max_failed_logins",
        "workstation.id",
        "intake.duplicate_window_min",
    } <= names


def test_nan_is_refused_for_a_bounded_float(paths: Paths) -> None:
    with pytest.raises(SettingsError):
        load_settings(paths, environ={}, overrides=["demo.call_interval_s=nan"])
