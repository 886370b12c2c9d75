"""`dispatch-desk cameras import` as a centre's administrator runs it: a real process, a
temporary --home; a bad file imports nothing and says which rows are wrong; a good one keeps
URL passwords out of the database and the output."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.integration.test_cli import run

HEADER = "name,latitude,longitude,heading_deg,fov_deg,owner,sharing,main_url,sub_url\n"


def _names(home: Path) -> list[str]:
    db = sqlite3.connect(home / "data" / "cache.sqlite3")
    try:
        return [r[0] for r in db.execute("SELECT name FROM camera WHERE name LIKE 'CLI %'")]
    finally:
        db.close()


def test_cameras_import_all_or_nothing(tmp_path: Path) -> None:
    home = tmp_path / "home"
    bad = tmp_path / "bad.csv"
    bad.write_text(
        HEADER
        + "CLI Good,42.1,-71.1,,,public,live,rtsp://cam1/main,\n"
        + "CLI Bad,420,-71.1,,,public,live,rtsp://cam2/main,\n",
        encoding="utf-8",
    )
    result = run("cameras", "import", str(bad), home=home)
    assert result.returncode == 1
    assert "row 2, latitude: 420 is outside -90 to 90" in result.stderr
    assert "nothing was imported" in result.stderr

    good = tmp_path / "good.csv"
    good.write_text(
        HEADER + "CLI Gate,42.1,-71.1,90,,public,live,rtsp://op:Pa55word@cam1:554/main,\n",
        encoding="utf-8",
    )
    result = run("cameras", "import", str(good), home=home)
    assert result.returncode == 0, result.stderr
    assert "1 camera(s) added, 0 updated; 1 password(s) kept" in result.stdout
    assert "Pa55word" not in result.stdout + result.stderr
    assert _names(home) == ["CLI Gate"]
    for path in home.rglob("*"):
        if path.is_file():
            assert b"Pa55word" not in path.read_bytes(), path
