"""Every path the workstation uses, resolved in one place for each platform.

Per-user folders come from the platform's conventions (XDG on Linux, AppData on Windows,
Application Support on macOS). ``DISPATCH_DESK_HOME`` roots them all in one folder instead,
which a portable install and the tests use. Read-only assets (resources, migrations) are found
beside the code, or in the bundle when frozen by PyInstaller.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import platformdirs

APP_NAME = "dispatch-desk"
HOME_ENV = "DISPATCH_DESK_HOME"


def _install_root() -> Path:
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root)
    return Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Paths:
    config_dir: Path
    data_dir: Path
    state_dir: Path
    log_dir: Path
    machine_config_file: Path
    install_root: Path

    @property
    def user_config_file(self) -> Path:
        return self.config_dir / "settings.toml"

    @property
    def default_store_file(self) -> Path:
        return self.data_dir / "cache.sqlite3"

    @property
    def gis_dir(self) -> Path:
        """The agency's imported map layers (``dispatch-desk gis import``)."""
        return self.data_dir / "gis"

    @property
    def tile_cache_dir(self) -> Path:
        """Base-map tiles fetched from an XYZ server, kept for when it cannot be reached."""
        return self.state_dir / "tile-cache"

    @property
    def backups_dir(self) -> Path:
        return self.data_dir / "backups"

    @property
    def media_dir(self) -> Path:
        """Live-session recordings, received photos and stills, one folder per session."""
        return self.data_dir / "media"

    @property
    def layout_file(self) -> Path:
        return self.state_dir / "window-layout.json"

    @property
    def resources_dir(self) -> Path:
        return self.install_root / "resources"

    @property
    def migrations_dir(self) -> Path:
        return self.install_root / "migrations"

    def ensure(self) -> None:
        for folder in (self.config_dir, self.data_dir, self.state_dir, self.log_dir):
            folder.mkdir(parents=True, exist_ok=True)


def _machine_config_file() -> Path:
    # Installers (MSI, packages) write the centre's settings here, for every user.
    if sys.platform == "win32":
        base = os.environ.get("PROGRAMDATA", r"C:\ProgramData")
        return Path(base) / "Dispatch Desk" / "settings.toml"
    if sys.platform == "darwin":
        return Path("/Library/Application Support/Dispatch Desk/settings.toml")
    return Path("/etc/dispatch-desk/settings.toml")


def resolve_paths(home: str | os.PathLike[str] | None = None) -> Paths:
    """Resolve all paths; ``home`` (or $DISPATCH_DESK_HOME) puts everything under one folder."""
    root = home or os.environ.get(HOME_ENV)
    if root:
        base = Path(root).expanduser().resolve()
        return Paths(
            config_dir=base / "config",
            data_dir=base / "data",
            state_dir=base / "state",
            log_dir=base / "logs",
            machine_config_file=base / "machine-settings.toml",
            install_root=_install_root(),
        )
    dirs = platformdirs.PlatformDirs(APP_NAME, appauthor=False)
    return Paths(
        config_dir=Path(dirs.user_config_dir),
        data_dir=Path(dirs.user_data_dir),
        state_dir=Path(dirs.user_state_dir),
        log_dir=Path(dirs.user_log_dir),
        machine_config_file=_machine_config_file(),
        install_root=_install_root(),
    )
