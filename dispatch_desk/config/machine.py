"""The machine-wide settings file, as installers write it, and the clean-up an uninstall may ask.

An MSI run as ``msiexec /i dispatch-desk.msi /qn CENTRAL_DB_URL=... GATEWAY_URL=...`` calls
``dispatch-desk machine-settings --set central.url=... --set gateway.url=...``: each value is
checked as the desk would read it, merged into the file (other settings kept), and the file is
replaced in one step, so a failed install never leaves half a file.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dispatch_desk.config.paths import APP_NAME
from dispatch_desk.config.settings import SettingsError, check_setting

HEADER = (
    "# Dispatch Desk: settings for every user of this machine, written by the installer\n"
    "# (dispatch-desk machine-settings). A user's own settings file overrides these.\n"
)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        # JSON's string escapes are valid TOML basic-string escapes.
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise SettingsError(f"cannot write {value!r} to a settings file")


def dumps(data: dict[str, dict[str, Any]]) -> str:
    lines = [HEADER]
    for section in sorted(data):
        lines.append(f"\n[{section}]\n")
        for key in sorted(data[section]):
            lines.append(f"{key} = {_toml_value(data[section][key])}\n")
    return "".join(lines)


def set_machine_settings(path: Path, assignments: Sequence[str]) -> list[str]:
    """Merge ``section.key=value`` assignments into the file at ``path``; empty values are
    skipped (an installer property that was not given). Returns the names written."""
    updates: dict[str, dict[str, Any]] = {}
    written: list[str] = []
    for item in assignments:
        dotted, sep, raw = item.partition("=")
        section, dot, key = dotted.strip().partition(".")
        if not sep or not dot or not key:
            raise SettingsError(f"{item!r}: expected section.key=value")
        if not raw.strip():
            continue
        updates.setdefault(section, {})[key] = check_setting(section, key, raw.strip())
        written.append(f"{section}.{key}")
    if not written:
        return []
    data: dict[str, dict[str, Any]] = {}
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SettingsError(f"{path}: not valid TOML, left as it is: {exc}") from None
    for section, values in updates.items():
        table = data.setdefault(section, {})
        if not isinstance(table, dict):
            raise SettingsError(f"{path}: '{section}' is not a [section] table, left as it is")
        table.update(values)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, scratch = tempfile.mkstemp(prefix=".settings-", suffix=".toml", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(dumps(data))
        if path.exists():
            shutil.copymode(path, scratch)
        else:
            os.chmod(scratch, 0o644)  # every user's desk reads it; only the installer writes
        os.replace(scratch, path)
    except BaseException:
        Path(scratch).unlink(missing_ok=True)
        raise
    return written


# Per-user folders of the desk under a user's profile, as platformdirs lays them out.
_USER_FOLDERS = {
    "win32": ("AppData/Local/" + APP_NAME, "AppData/Roaming/" + APP_NAME),
    "darwin": ("Library/Application Support/" + APP_NAME, "Library/Logs/" + APP_NAME),
    "linux": (
        ".local/share/" + APP_NAME,
        ".local/state/" + APP_NAME,
        ".config/" + APP_NAME,
        ".cache/" + APP_NAME,
    ),
}


def _default_users_root() -> Path:
    if sys.platform == "win32":
        return Path(os.environ.get("SYSTEMDRIVE", "C:") + "\\") / "Users"
    return Path("/Users") if sys.platform == "darwin" else Path("/home")


def purge_local_data(
    machine_file: Path, users_root: Path | None = None, platform: str | None = None
) -> list[Path]:
    """Remove the machine settings file and every user's desk folders (local cache, settings,
    logs). Only folders named for the desk, at the places the desk uses, are touched. Returns
    what was removed."""
    removed: list[Path] = []
    if machine_file.is_file():
        machine_file.unlink()
        removed.append(machine_file)
    key = platform or ("linux" if sys.platform.startswith("linux") else sys.platform)
    root = users_root or _default_users_root()
    if not root.is_dir():
        return removed
    for profile in sorted(p for p in root.iterdir() if p.is_dir() and not p.is_symlink()):
        for relative in _USER_FOLDERS.get(key, ()):
            folder = profile / relative
            if folder.is_dir() and not folder.is_symlink() and folder.name == APP_NAME:
                shutil.rmtree(folder)
                removed.append(folder)
    return removed
