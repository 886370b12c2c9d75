"""The dispatch-desk command as an installer or a benchmark runs it: a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ENV = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}


def run(
    *args: str, home: Path, stdin: str = "", timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ui.main", "--home", str(home), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=ENV,
        check=False,
    )


def test_version(tmp_path: Path) -> None:
    from dispatch_desk import __version__

    result = run("--version", home=tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == f"dispatch-desk {__version__}"


def test_self_test_passes_and_lists_each_check(tmp_path: Path) -> None:
    result = run("--self-test", home=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    names = ("qt", "folders", "agency", "database", "schema", "citizen page", "speech", "video")
    for name in names:
        assert any(line.startswith("ok") and f" {name} " in line for line in lines), name
    assert lines[-1] == f"self-test: {len(names)} ok, 0 failed"


def test_self_test_fails_on_an_unreadable_agency_profile(tmp_path: Path) -> None:
    bad = tmp_path / "agency.toml"
    bad.write_text("[[incident_types]]\ncode = 'X'\napco = 'NOPE'\n", encoding="utf-8")
    result = run("--self-test", "--set", f"agency.profile={bad}", home=tmp_path)
    assert result.returncode == 1
    failing = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    assert len(failing) == 1 and "agency" in failing[0] and "NOPE" in failing[0]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--set", "session.lock_after_idle_s=abc"), "expected int, got 'abc'"),
        (("--set", "store.synchronous=SOMETIMES"), "must be one of NORMAL, FULL"),
        (("--set", "nosuch.key=1"), "unknown section [nosuch]"),
    ],
)
def test_bad_settings_are_named_plainly(tmp_path: Path, args: tuple[str, ...], words: str) -> None:
    result = run(*args, "--self-test", home=tmp_path)
    assert result.returncode == 2
    assert words in result.stderr


def test_bad_settings_file_names_the_file(tmp_path: Path) -> None:
    config = tmp_path / "site.toml"
    config.write_text("[session]\nlock_after_idle_s = -5\n", encoding="utf-8")
    result = run("--config", str(config), "--self-test", home=tmp_path)
    assert result.returncode == 2
    assert str(config) in result.stderr and "at least 0" in result.stderr


def test_startup_probe_signs_in_and_reports_ready(tmp_path: Path) -> None:
    result = run(
        "--user",
        "calltaker",
        "--password-stdin",
        "--startup-probe",
        home=tmp_path,
        stdin="calltaker-demo\n",
    )
    assert result.returncode == 0, result.stderr
    ready = [line for line in result.stdout.splitlines() if line.startswith("READY ")]
    assert len(ready) == 1
    _, at, _, started = ready[0].split()
    assert float(at) >= float(started)


def test_add_user_then_sign_in(tmp_path: Path) -> None:
    added = run(
        "user",
        "add",
        "jdoe",
        "--role",
        "dispatcher",
        "--name",
        "J. Doe",
        home=tmp_path,
        stdin="a-long-password\n",
    )
    assert added.returncode == 0, added.stderr
    probe = run(
        "--user",
        "jdoe",
        "--password-stdin",
        "--startup-probe",
        home=tmp_path,
        stdin="a-long-password\n",
    )
    assert probe.returncode == 0 and "READY" in probe.stdout
    wrong = run(
        "--user", "jdoe", "--password-stdin", "--startup-probe", home=tmp_path, stdin="nope\n"
    )
    assert "sign-in failed" in wrong.stderr
