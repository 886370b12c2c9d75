"""`dispatch-desk gis import` and `gis geocode` as an agency's GIS person runs them: a real
process, the City of Cambridge's real layers, a temporary --home."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.helpers.gis_data import CAMBRIDGE_FILES, cambridge_missing, raw_features
from tests.integration.test_cli import run

pytestmark = pytest.mark.skipif(bool(cambridge_missing()), reason=cambridge_missing())

MATCH = re.compile(r"^(\d\.\d\d)  (\S+)\s+ (.+)  (-?\d+\.\d{6}),(-?\d+\.\d{6})(?:  \((.*)\))?$")


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("gis-home")
    result = run("gis", "import", *map(str, CAMBRIDGE_FILES), home=folder)
    assert result.returncode == 0, result.stderr
    for layer, name in (
        ("streets", "streets.geojson"),
        ("addresses", "addresses.geojson"),
        ("places", "pois.geojson"),
    ):
        count = len(raw_features(name))
        assert re.search(rf"^{layer}\s+{count}\s+imported from .*{name}$", result.stdout, re.M)
    return folder


def _matches(stdout: str) -> list[re.Match[str]]:
    found = [MATCH.match(line) for line in stdout.splitlines()[1:]]
    assert all(found), stdout
    return [m for m in found if m is not None]


def test_geocode_prints_scored_matches_with_coordinates(home: Path) -> None:
    result = run("gis", "geocode", "16 aberdeen avenue", home=home)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith("map: imported: ")
    best = _matches(result.stdout)[0]
    truth = next(
        f
        for f in raw_features("addresses.geojson")
        if f["properties"]["street"] == "Aberdeen Ave" and f["properties"]["number"] == 16
    )
    lon, lat = truth["geometry"]["coordinates"]
    assert (best[1], best[2], best[3]) == ("1.00", "address", "16 Aberdeen Ave")
    assert (float(best[4]), float(best[5])) == pytest.approx((lat, lon), abs=1e-6)


def test_geocode_shows_the_note_of_a_doubtful_match(home: Path) -> None:
    result = run("gis", "geocode", "99999 Cambridge St", "--limit", "2", home=home)
    assert result.returncode == 0
    matches = _matches(result.stdout)
    assert 1 <= len(matches) <= 2
    assert float(matches[0][1]) <= 0.6 and "99999" in (matches[0][6] or "")


def test_garbage_says_no_match_and_fails(home: Path) -> None:
    result = run("gis", "geocode", "asdf qwerty", home=home)
    assert result.returncode == 1
    assert "no match for 'asdf qwerty'" in result.stdout


def test_reverse(home: Path) -> None:
    feature = raw_features("addresses.geojson")[100]
    lon, lat = feature["geometry"]["coordinates"]
    result = run("gis", "geocode", "--reverse", f"{lat},{lon}", home=home)
    assert result.returncode == 0, result.stderr
    best = _matches(result.stdout)[0]
    assert best[2] == "address"
    assert (float(best[4]), float(best[5])) == pytest.approx((lat, lon), abs=1e-6)


def test_a_bad_file_is_refused_and_the_map_is_kept(home: Path, tmp_path: Path) -> None:
    bad = tmp_path / "stateplane.geojson"
    bad.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": '
        '{"name": "Main St"}, "geometry": {"type": "LineString", '
        '"coordinates": [[760000, 2950000], [760100, 2950000]]}}]}'
    )
    result = run("gis", "import", str(bad), home=home)
    assert result.returncode == 1
    assert str(bad) in result.stderr and "feature 0 (Main St)" in result.stderr
    assert "EPSG:4326" in result.stderr and "nothing was changed" in result.stderr
    again = run("gis", "geocode", "Massachusetts Ave & Prospect St", home=home)
    assert again.returncode == 0
    assert _matches(again.stdout)[0][2] == "intersection"


def test_the_demo_town_without_an_import(tmp_path: Path) -> None:
    result = run("gis", "geocode", "780 N MAIN ST (FOOD KING SUPERMARKET)", home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "map: demo town Riverton" in result.stdout
    assert float(_matches(result.stdout)[0][1]) >= 0.9
