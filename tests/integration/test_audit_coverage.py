"""Configuration changes made with the administrative commands are on the audit trail with who
(the operating-system user), what and the outcome, failures included, and secrets kept out."""

from __future__ import annotations

import getpass
import json
import sqlite3
from pathlib import Path

from dispatch_desk.audit.admin_log import redact
from tests.integration.test_cli import run

WHO = f"os:{getpass.getuser()}"


def _trail(home: Path, action: str) -> list[tuple[str, str, dict]]:
    db = sqlite3.connect(home / "data" / "cache.sqlite3")
    try:
        rows = db.execute(
            "SELECT username, outcome, detail FROM audit_event WHERE action = ? ORDER BY seq",
            (action,),
        ).fetchall()
    finally:
        db.close()
    return [(u, o, json.loads(d)) for u, o, d in rows]


def test_user_add_is_audited_with_the_os_user_and_a_refusal_too(tmp_path: Path) -> None:
    home = tmp_path / "home"
    ok = run("user", "add", "nina", "--role", "dispatcher", home=home, stdin="long-enough-pw\n")
    assert ok.returncode == 0, ok.stderr
    short = run("user", "add", "otto", "--role", "admin", home=home, stdin="x\n")
    assert short.returncode == 2
    made = [t for t in _trail(home, "user.create") if t[2].get("target") in ("nina", "otto")]
    assert made[0] == (WHO, "ok", {"target": "nina", "role": "dispatcher"})
    who, outcome, detail = made[1]
    assert (who, outcome, detail["target"], detail["role"]) == (WHO, "failed", "otto", "admin")
    assert "at least" in detail["reason"]
    assert run("audit", "verify", home=home).returncode == 0


def test_machine_settings_are_audited_without_the_password(tmp_path: Path) -> None:
    home = tmp_path / "home"
    target = tmp_path / "machine.toml"
    good = run(
        "machine-settings",
        "--file",
        str(target),
        "--set",
        "central.url=postgresql://desk:S3cretPw@db.example/cad",
        "--set",
        "gateway.url=wss://gw.example/desk",
        home=home,
    )
    assert good.returncode == 0, good.stderr
    bad = run("machine-settings", "--file", str(target), "--set", "gateway.port=x", home=home)
    assert bad.returncode == 2
    [(who, outcome, detail), (who2, outcome2, detail2)] = _trail(home, "config.machine_settings")
    assert (who, outcome) == (WHO, "ok")
    assert detail == {
        "file": str(target),
        "set": {
            "central.url": "postgresql://desk:***@db.example/cad",
            "gateway.url": "wss://gw.example/desk",
        },
        "written": ["central.url", "gateway.url"],
    }
    assert (who2, outcome2) == (WHO, "refused")
    assert "unknown setting gateway.port" in detail2["reason"]
    for path in home.rglob("*"):
        if path.is_file():
            assert b"S3cretPw" not in path.read_bytes(), path


def test_gis_and_camera_imports_are_audited_refusals_included(tmp_path: Path) -> None:
    home = tmp_path / "home"
    streets = tmp_path / "streets.geojson"
    streets.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"name": "Main Street"},
                        "geometry": {
                            "type": "LineString",
                            "coordinates": [[-71.1, 42.37], [-71.09, 42.371]],
                        },
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    broken = tmp_path / "broken.geojson"
    broken.write_text("{not json", encoding="utf-8")
    assert run("gis", "import", str(streets), "--layer", "streets", home=home).returncode == 0
    assert run("gis", "import", str(broken), home=home).returncode == 1
    [(who, outcome, detail), (_, refused, why)] = _trail(home, "gis.import")
    assert (who, outcome, detail["imported"], detail["files"]) == (
        WHO,
        "ok",
        {"streets": 1},
        [str(streets)],
    )
    assert refused == "refused"
    assert why["files"] == [str(broken)] and why["reason"]

    cameras = tmp_path / "cams.csv"
    cameras.write_text(
        "name,latitude,longitude,heading_deg,fov_deg,owner,sharing,main_url,sub_url\n"
        "Bad,420,-71.1,,,public,live,rtsp://op:Pa55word@cam1/main,\n",
        encoding="utf-8",
    )
    assert run("cameras", "import", str(cameras), home=home).returncode == 1
    [(who, outcome, detail)] = _trail(home, "camera.import")
    assert (who, outcome, detail) == (
        WHO,
        "refused",
        {"file": str(cameras), "problems": ["row 1, latitude"]},
    )
    assert run("audit", "verify", home=home).returncode == 0


def test_hidden_values_are_hidden_in_the_refusal_message_too() -> None:
    asked, error = redact(
        ["central.url=postgresql://u:An0therPw@h/x", "gateway.token=abc123", "ui.font_pt=11"],
        "central.url 'postgresql://u:An0therPw@h/x' is wrong; gateway.token 'abc123' too",
    )
    assert asked == {
        "central.url": "postgresql://u:***@h/x",
        "gateway.token": "(hidden)",
        "ui.font_pt": "11",
    }
    assert error == "central.url 'postgresql://u:***@h/x' is wrong; gateway.token '(hidden)' too"
