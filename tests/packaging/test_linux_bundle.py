"""The installers, built for real: the PyInstaller bundle, the AppDir and its squashfs image
(mounted with squashfuse), each passing --self-test; and the MSI built from the bundle by wixl.

Slow (about two minutes): the bundle is built once for the module.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]


def _need(*tools: str) -> None:
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        pytest.fail(f"missing tools {missing}: ./desk test installs them (test_pkgs)")


def _run(cmd: list[str], *, env: dict[str, str] | None = None, timeout: float = 120.0):
    return subprocess.run(
        cmd, capture_output=True, text=True, timeout=timeout, env=env, check=False
    )


def _gui_env() -> dict[str, str]:
    # The bundle under a real X server (xvfb-run), as a workstation would start it.
    env = {k: v for k, v in os.environ.items() if k != "QT_QPA_PLATFORM"}
    env.pop("DISPATCH_DESK_HOME", None)
    return env


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    _need("mksquashfs", "xvfb-run")
    out = tmp_path_factory.mktemp("linux")
    runtime = out / "fake-runtime"
    runtime.write_bytes(b"#!/bin/sh\necho not a real AppImage runtime\nexit 1\n" + b"\0" * 64)
    done = _run(
        [str(PACKAGING / "build-linux"), "--out", str(out), "--runtime", str(runtime)],
        env={**os.environ, "PYTHON": sys.executable},
        timeout=900,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out


def _self_test(app_run: Path, home: Path, env: dict[str, str] | None = None) -> str:
    done = _run(
        ["xvfb-run", "-a", str(app_run), "--home", str(home), "--self-test"],
        env=env or _gui_env(),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_the_appdir_passes_its_self_test(built: Path, tmp_path: Path) -> None:
    appdir = built / "AppDir"
    out = _self_test(appdir / "AppRun", tmp_path / "home")
    assert re.search(r"self-test: \d+ ok, 0 failed", out), out
    # It runs from the bundle: resources, schema and libVLC's plugins are the bundle's own.
    assert f"{appdir}/usr/lib/dispatch-desk/_internal/resources/citizen" in out
    assert re.search(r"ok\s+video\s+libVLC 3\.\S+ .*decodes H\.264", out), out
    assert "the wall's frame callbacks in C" in out, out  # the C library is in the bundle
    assert re.search(r"ok\s+qt\s+PySide6 platform 'xcb'", out), out


def test_the_squashfs_image_mounts_and_passes_its_self_test(built: Path, tmp_path: Path) -> None:
    _need("squashfuse", "fusermount")
    image = next(built.glob("dispatch-desk-*-x86_64.squashfs"))
    mount = tmp_path / "mnt"
    mount.mkdir()
    done = _run(["squashfuse", str(image), str(mount)])
    assert done.returncode == 0, done.stderr
    try:
        out = _self_test(mount / "AppRun", tmp_path / "home")
        assert re.search(r"self-test: \d+ ok, 0 failed", out), out
        assert f"{mount}/usr/lib/dispatch-desk/_internal/resources/citizen" in out
    finally:
        _run(["fusermount", "-u", str(mount)])


def test_the_appimage_is_the_runtime_then_the_image(built: Path) -> None:
    image = next(built.glob("dispatch-desk-*-x86_64.squashfs"))
    appimage = next(built.glob("Dispatch_Desk-*-x86_64.AppImage"))
    runtime = (built / "fake-runtime").read_bytes()
    data = appimage.read_bytes()
    assert data[: len(runtime)] == runtime
    assert (
        hashlib.sha256(data[len(runtime) :]).digest() == hashlib.sha256(image.read_bytes()).digest()
    )
    assert os.access(appimage, os.X_OK)


def test_a_missing_runtime_file_is_refused_before_building(tmp_path: Path) -> None:
    done = _run([str(PACKAGING / "build-linux"), "--out", str(tmp_path), "--runtime", "/nope"])
    assert done.returncode == 2
    assert "runtime file /nope not found" in done.stderr
    assert not list(tmp_path.iterdir())


def test_the_bundle_carries_only_what_the_desk_uses(built: Path) -> None:
    internal = built / "dist" / "dispatch-desk" / "_internal"
    wanted = {
        line.strip()
        for line in (PACKAGING / "vlc-plugins.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    plugins = internal / "vlc" / "plugins"
    carried = {str(p.relative_to(plugins)) for p in plugins.rglob("*.so")}
    assert carried == wanted
    assert (plugins / "plugins.dat").is_file()  # libVLC's plugin cache, made for this set
    libs = {p.name for p in internal.rglob("*.so*")}
    for unused in ("libQt6Quick.so.6", "libQt6Qml.so.6", "libQt6Pdf.so.6", "libgtk-3.so.0"):
        assert unused not in libs
    assert not list(internal.rglob("*WebEngine*"))
    assert (internal / "migrations" / "versions").is_dir()
    assert (internal / "espeak-ng-data").is_dir()
    appdir = built / "AppDir"
    version = _run([sys.executable, "-c", "import dispatch_desk; print(dispatch_desk.__version__)"])
    desktop = (appdir / "dispatch-desk.desktop").read_text()
    assert f"X-AppImage-Version={version.stdout.strip()}" in desktop
    assert "Exec=dispatch-desk" in desktop and "Icon=dispatch-desk" in desktop
    metainfo = appdir / "usr/share/metainfo/io.github.dispatch_desk.DispatchDesk.metainfo.xml"
    assert f'release version="{version.stdout.strip()}"' in metainfo.read_text()
    assert (appdir / "dispatch-desk.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert os.readlink(appdir / ".DirIcon") == "dispatch-desk.png"


@pytest.mark.parametrize("lost", ["vlc/plugins", "vlc/plugins/codec/libavcodec_plugin.so"])
def test_a_bundle_that_lost_vlc_plugins_fails_the_video_check(
    built: Path, tmp_path: Path, lost: str
) -> None:
    """libVLC looks for plugins beside its own library, so the bundle uses its own set, never
    the build machine's: without the set (or without its H.264 decoder) the check fails."""
    internal = built / "AppDir" / "usr" / "lib" / "dispatch-desk" / "_internal"
    target = internal / lost
    aside = target.with_name(target.name + ".aside")
    target.rename(aside)
    try:
        done = _run(
            [
                "xvfb-run",
                "-a",
                str(built / "AppDir" / "AppRun"),
                "--home",
                str(tmp_path / "h"),
                "--self-test",
            ],
            env=_gui_env(),
        )
    finally:
        aside.rename(target)
    assert done.returncode == 1, done.stdout
    assert re.search(r"FAIL\s+video\s+RuntimeError: libVLC (did not start|decoded no)", done.stdout)


# -- the MSI, from the same bundle


@pytest.fixture(scope="module")
def msi(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    _need("wixl", "wixl-heat", "msiinfo")
    out = tmp_path_factory.mktemp("msi")
    done = _run(
        [
            str(PACKAGING / "build-msi"),
            "--bundle",
            str(built / "dist" / "dispatch-desk"),
            "--out",
            str(out),
        ],
        env={**os.environ, "PYTHON": sys.executable},
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    yield next(out.glob("dispatch-desk-*-x64.msi"))


def _table(msi: Path, name: str) -> list[list[str]]:
    done = _run(["msiinfo", "export", str(msi), name])
    assert done.returncode == 0, done.stderr
    return [line.rstrip("\r").split("\t") for line in done.stdout.splitlines()[3:]]  # after headers


def test_the_msi_has_the_shortcut_upgrade_code_and_install_properties(
    msi: Path, built: Path
) -> None:
    wxs = (PACKAGING / "windows" / "dispatch-desk.wxs").read_text()
    upgrade_code = re.search(r'UpgradeCode="([0-9A-F-]+)"', wxs).group(1)
    properties = dict(row[:2] for row in _table(msi, "Property"))
    assert properties["UpgradeCode"] == "{" + upgrade_code + "}"
    assert properties["ALLUSERS"] == "1"  # per machine
    upgrades = _table(msi, "Upgrade")
    assert {row[0] for row in upgrades} == {"{" + upgrade_code + "}"}
    assert any(row[-1] == "WIX_UPGRADE_DETECTED" for row in upgrades)

    shortcuts = _table(msi, "Shortcut")
    assert len(shortcuts) == 1
    shortcut = shortcuts[0]
    assert shortcut[1] == "ProgramMenuFolder" and shortcut[2] == "Dispatch Desk"
    assert shortcut[4] == "[INSTALLDIR]dispatch-desk.exe"

    actions = {row[0]: row for row in _table(msi, "CustomAction")}
    write = actions["WriteMachineSettings"]
    assert int(write[1]) & 0x400  # deferred (in the script), as the system
    assert "central.url=[CENTRAL_DB_URL]" in write[3]
    assert "gateway.url=[GATEWAY_URL]" in write[3]
    assert actions["SetDeskExe"][3] == "[INSTALLDIR]dispatch-desk-cli.exe"
    assert "--purge-local-data" in actions["PurgeLocalData"][3]

    sequence = {row[0]: (row[1], int(row[2])) for row in _table(msi, "InstallExecuteSequence")}
    assert sequence["CostFinalize"][1] < sequence["SetDeskExe"][1] < sequence["InstallFiles"][1]
    assert sequence["InstallFiles"][1] < sequence["WriteMachineSettings"][1]
    assert "CENTRAL_DB_URL OR GATEWAY_URL" in sequence["WriteMachineSettings"][0]
    assert sequence["PurgeLocalData"][1] < sequence["RemoveFiles"][1]
    assert 'PURGE_LOCAL_DATA="1"' in sequence["PurgeLocalData"][0]

    bundle_files = [p for p in (built / "dist" / "dispatch-desk").rglob("*") if p.is_file()]
    assert len(_table(msi, "File")) == len(bundle_files)
