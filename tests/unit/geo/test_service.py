"""Which map a workstation opens: imported layers, else the demo town in demo mode, else none;
a damaged store is reported, and the desk still starts."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from dispatch_desk.config.paths import Paths, resolve_paths
from dispatch_desk.config.settings import Settings, load_settings
from dispatch_desk.geo.demo_town import TOWN
from dispatch_desk.geo.gis_import import import_files
from dispatch_desk.geo.service import GeoService
from dispatch_desk.geo.store import store_file


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    resolved = resolve_paths(tmp_path / "home")
    resolved.ensure()
    return resolved


def _settings(paths: Paths, *overrides: str) -> Settings:
    return load_settings(paths, environ={}, overrides=list(overrides))


def _import_one_street(paths: Paths, tmp_path: Path) -> None:
    line = {
        "type": "Feature",
        "geometry": {"type": "LineString", "coordinates": [[-100.0, 40.0], [-100.001, 40.0]]},
        "properties": {"name": "Prairie Rd", "left_from": 1, "left_to": 99},
    }
    path = tmp_path / "roads.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [line]}))
    import_files([path], paths.gis_dir)


def test_demo_mode_with_nothing_imported_opens_the_demo_town(paths: Paths) -> None:
    service = GeoService.open(_settings(paths), paths)
    assert TOWN in service.layers.source
    assert service.problem == ""
    assert service.geocode("400 COLLEGE AVE")[0].score >= 0.9
    assert service.reverse(*_first_address(service)) is not None


def _first_address(service: GeoService) -> tuple[float, float]:
    point = service.layers.addresses[0]
    return point.lat, point.lon


def test_a_real_agency_with_nothing_imported_has_an_empty_map(paths: Paths) -> None:
    service = GeoService.open(_settings(paths, "agency.profile=/etc/agency.toml"), paths)
    assert service.layers.is_empty()
    assert service.geocode("400 COLLEGE AVE") == []
    assert service.reverse(42.51, -71.72) is None


def test_imported_layers_win_over_the_demo_town(paths: Paths, tmp_path: Path) -> None:
    _import_one_street(paths, tmp_path)
    for settings in (_settings(paths), _settings(paths, "agency.profile=/etc/agency.toml")):
        service = GeoService.open(settings, paths)
        assert service.layers.source == "imported: roads.geojson"
        assert service.geocode("Prairie Rd")[0].label == "Prairie Rd"


def test_a_damaged_store_is_reported_and_the_desk_still_opens_a_map(
    paths: Paths, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    _import_one_street(paths, tmp_path)
    store_file(paths.gis_dir).write_text("{not json")
    with caplog.at_level(logging.WARNING):
        service = GeoService.open(_settings(paths), paths)
    assert str(store_file(paths.gis_dir)) in service.problem
    assert TOWN in service.layers.source
    assert any("map layers not loaded" in r.getMessage() for r in caplog.records)


def test_the_gis_setting_is_typed_and_bounded(paths: Paths) -> None:
    assert _settings(paths).gis.max_file_mb == 256
    assert _settings(paths, "gis.max_file_mb=1024").gis.max_file_mb == 1024
    with pytest.raises(ValueError, match="at least 1"):
        _settings(paths, "gis.max_file_mb=0")
    assert paths.gis_dir == paths.data_dir / "gis"
