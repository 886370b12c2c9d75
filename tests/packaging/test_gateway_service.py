"""The gateway as a server installs it: only its own requirements (as the container recipe
installs them), started by the command line the systemd unit runs, answering /healthz."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GATEWAY = ROOT / "packaging" / "gateway"

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtual environment with the requirements file and the package without its
    dependencies: no Qt, no database driver, no WebRTC."""
    where = tmp_path_factory.mktemp("gateway-venv")
    subprocess.run([sys.executable, "-m", "venv", str(where)], check=True, timeout=120)
    pip = [
        str(where / "bin" / "python"),
        "-m",
        "pip",
        "install",
        "-q",
        "--disable-pip-version-check",
    ]
    subprocess.run([*pip, "-r", str(GATEWAY / "requirements.txt")], check=True, timeout=300)
    subprocess.run([*pip, "--no-deps", str(ROOT)], check=True, timeout=300)
    return where


def _exec_start(unit: str) -> list[str]:
    line = next(x for x in unit.splitlines() if x.startswith("ExecStart="))
    return line.removeprefix("ExecStart=").split()


def test_the_unit_file_is_valid_for_systemd(venv: Path, tmp_path: Path) -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.fail("systemd-analyze missing (Debian's systemd package)")
    unit = (GATEWAY / "dispatch-desk-gateway.service").read_text()
    assert _exec_start(unit)[0] == "/opt/dispatch-desk/bin/dispatch-desk-gateway"
    local = unit.replace("/opt/dispatch-desk", str(venv))
    copy = tmp_path / "dispatch-desk-gateway.service"
    copy.write_text(local)
    done = subprocess.run(
        ["systemd-analyze", "verify", str(copy)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "DynamicUser=yes" in unit and "ProtectSystem=strict" in unit


def test_the_gateway_runs_with_only_its_requirements(venv: Path, tmp_path: Path) -> None:
    for heavy in ("PySide6", "sqlalchemy", "aiortc", "av"):
        probe = subprocess.run(
            [str(venv / "bin" / "python"), "-c", f"import {heavy}"], capture_output=True
        )
        assert probe.returncode != 0, f"{heavy} should not be in the gateway's environment"
    port = _free_port()
    config = tmp_path / "gateway.toml"
    config.write_text(
        f'[gateway]\nbind_host = "127.0.0.1"\nbind_port = {port}\ndesk_secret = "{"s" * 32}"\n'
    )
    unit = (GATEWAY / "dispatch-desk-gateway.service").read_text()
    command = [
        arg.replace("/opt/dispatch-desk", str(venv))
        .replace("/etc/dispatch-desk/gateway.toml", str(config))
        .replace("/var/lib/dispatch-desk-gateway", str(tmp_path / "state"))
        for arg in _exec_start(unit)
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        health = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    health = json.loads(r.read())
                break
            except OSError:
                time.sleep(0.2)
        assert health is not None, process.stderr.read() if process.poll() is not None else ""
        assert health["ok"] is True
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert process.returncode == 0  # SIGTERM is a clean stop for systemd
