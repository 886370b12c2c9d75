"""Importing an agency's GeoJSON: layers found from geometry and fields (Cambridge's names and
NENA's), stored atomically; every malformed file refused with its name and the feature, and
the layers imported before left exactly as they were."""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from dispatch_desk.geo.geocoder import Geocoder
from dispatch_desk.geo.geometry import LatLon, offset
from dispatch_desk.geo.gis_import import DEFAULT_MAX_BYTES, import_files, read_layer_file
from dispatch_desk.geo.layers import GisError
from dispatch_desk.geo.store import load_layers, store_file

ORIGIN = LatLon(42.51, -71.72)


def _at(east_m: float, north_m: float) -> list[float]:
    p = offset(ORIGIN, east_m, north_m)
    return [p.lon, p.lat]


def _feature(geometry: str, coordinates: Any, /, **props: Any) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": geometry, "coordinates": coordinates},
        "properties": props,
    }


def _write(path: Path, features: list[dict[str, Any]], **extra: Any) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", **extra, "features": features}))
    return path


def _nena_streets(folder: Path) -> Path:
    """Two crossing streets with NENA NG9-1-1 field names."""
    return _write(
        folder / "RoadCenterlines.geojson",
        [
            _feature(
                "LineString",
                [_at(0, 0), _at(200, 0)],
                RCL_NGUID="RCL1",
                St_PreDir="",
                St_Name="Quarry",
                St_PosTyp="Road",
                FromAddr_L=1,
                ToAddr_L=99,
                FromAddr_R=2,
                ToAddr_R=98,
                RoadClass="Primary",
            ),
            _feature(
                "LineString",
                [_at(100, -100), _at(100, 0), _at(100, 100)],
                RCL_NGUID="RCL2",
                St_PreDir="North",
                St_Name="Birch",
                St_PosTyp="Street",
                FromAddr_L=None,
                ToAddr_L=None,
                FromAddr_R=-1,
                ToAddr_R=-1,
            ),
        ],
    )


def _nena_addresses(folder: Path) -> Path:
    return _write(
        folder / "SiteStructureAddressPoints.geojson",
        [
            _feature("Point", _at(50, 15), Add_Number=51, St_Name="Quarry", St_PosTyp="Road"),
            _feature(
                "Point",
                _at(52, -15),
                Add_Number="52",
                AddNum_Suf="A",
                St_Name="Quarry",
                St_PosTyp="Rd",
            ),
        ],
    )


def _places(folder: Path) -> Path:
    return _write(
        folder / "pois.geojson",
        [
            _feature(
                "Point",
                _at(20, 20),
                name="Quarry Fire Station",
                kind="fire",
                address="21 Quarry Rd",
            )
        ],
    )


def _boundaries(folder: Path) -> Path:
    ring = [_at(-50, -150), _at(250, -150), _at(250, 150), _at(-50, 150), _at(-50, -150)]
    return _write(
        folder / "beats.geojson", [_feature("Polygon", [ring], name="Beat 7", kind="police_beat")]
    )


@pytest.fixture
def gis_dir(tmp_path: Path) -> Path:
    return tmp_path / "data" / "gis"


@pytest.fixture
def imported(tmp_path: Path, gis_dir: Path) -> Path:
    """A folder with all four layers already imported (the layers a bad import must not touch)."""
    src = tmp_path / "good"
    src.mkdir()
    files = [_nena_streets(src), _nena_addresses(src), _places(src), _boundaries(src)]
    import_files(files, gis_dir)
    return gis_dir


def test_layers_are_found_and_nena_fields_mapped(imported: Path) -> None:
    layers = load_layers(imported)
    assert layers is not None
    assert layers.counts() == {"streets": 2, "addresses": 2, "places": 1, "boundaries": 1}
    quarry, birch = layers.streets
    assert (quarry.name, quarry.label, quarry.major) == ("QUARRY RD", "Quarry Road", True)
    assert (quarry.left_from, quarry.left_to, quarry.right_from, quarry.right_to) == (1, 99, 2, 98)
    assert birch.name == "N BIRCH ST"
    assert (birch.left_from, birch.right_from) == (None, None)  # null and -1: no addresses
    assert [(a.number, a.suffix, a.street) for a in layers.addresses] == [
        (51, "", "QUARRY RD"),
        (52, "A", "QUARRY RD"),
    ]
    assert layers.places[0].kind == "fire_station"
    assert layers.boundaries[0].kind == "police_beat"
    assert "RoadCenterlines.geojson" in layers.source


def test_imported_layers_geocode(imported: Path) -> None:
    layers = load_layers(imported)
    assert layers is not None
    geocoder = Geocoder(layers)
    assert geocoder.geocode("51 Quarry Road")[0].score == 1.0
    assert geocoder.geocode("52A Quarry Rd")[0].kind == "address"
    # Birch St crosses Quarry Rd mid-segment: no shared node, so found, but not trusted.
    corner = geocoder.geocode("Quarry Rd & North Birch St")[0]
    assert corner.kind == "intersection" and 0.6 < corner.score < 0.9
    assert "share no node" in corner.note
    assert (
        abs(corner.lat - ORIGIN.lat) < 1e-6 and abs(corner.lon - offset(ORIGIN, 100, 0).lon) < 1e-6
    )
    assert geocoder.geocode("Quarry Fire Station")[0].kind == "place"


def test_reimporting_one_layer_keeps_the_others_and_replace_drops_them(
    imported: Path, tmp_path: Path
) -> None:
    src = tmp_path / "again"
    src.mkdir()
    import_files([_places(src)], imported)
    layers = load_layers(imported)
    assert layers is not None
    assert layers.counts() == {"streets": 2, "addresses": 2, "places": 1, "boundaries": 1}
    import_files([_places(src)], imported, replace=True)
    layers = load_layers(imported)
    assert layers is not None
    assert layers.counts() == {"streets": 0, "addresses": 0, "places": 1, "boundaries": 0}


def test_an_explicit_layer_overrides_detection(tmp_path: Path) -> None:
    path = _write(tmp_path / "x.geojson", [_feature("Point", _at(0, 0), name="Well 3")])
    assert read_layer_file(path).kind == "places"
    with pytest.raises(GisError, match="has no house number"):
        read_layer_file(path, layer="addresses")
    with pytest.raises(GisError, match="unknown layer 'roads'"):
        read_layer_file(path, layer="roads")


def test_the_store_opens_from_a_worker_thread(imported: Path) -> None:
    with ThreadPoolExecutor(1) as pool:
        layers = pool.submit(load_layers, imported).result()
    assert layers is not None and layers.counts()["streets"] == 2


# Malformed files ---------------------------------------------------------------------------

Bad = Callable[[Path], Path]


def _one_point_line(folder: Path) -> Path:
    good = _feature("LineString", [_at(0, 0), _at(10, 0)], name="Ash St")
    bad = _feature("LineString", [_at(0, 0)], name="Oak St", id="seg-2")
    return _write(folder / "streets.geojson", [good, bad])


def _text_coordinates(folder: Path) -> Path:
    good = _feature("Point", _at(0, 0), number=1, street="Ash St")
    return _write(
        folder / "addresses.geojson",
        [good, _feature("Point", ["x", "y"], number=3, street="Ash St")],
    )


def _open_ring(folder: Path) -> Path:
    ring = [_at(0, 0), _at(10, 0), _at(10, 10), _at(0, 10)]
    return _write(folder / "beats.geojson", [_feature("Polygon", [ring], name="Beat 1")])


def _no_geometry(folder: Path) -> Path:
    feature = {"type": "Feature", "geometry": None, "properties": {"name": "Ash St"}}
    return _write(
        folder / "streets.geojson",
        [_feature("LineString", [_at(0, 0), _at(9, 9)], name="Elm St"), feature],
    )


def _polygon_among_lines(folder: Path) -> Path:
    ring = [_at(0, 0), _at(10, 0), _at(10, 10), _at(0, 0)]
    return _write(
        folder / "streets.geojson",
        [
            _feature("LineString", [_at(0, 0), _at(9, 9)], name="Elm St"),
            _feature("Polygon", [ring], name="Park"),
        ],
    )


def _crs_member(folder: Path) -> Path:
    crs = {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::2249"}}
    return _write(
        folder / "streets.geojson",
        [_feature("LineString", [_at(0, 0), _at(9, 9)], name="Elm St")],
        crs=crs,
    )


def _state_plane(folder: Path) -> Path:
    return _write(
        folder / "addresses.geojson",
        [_feature("Point", [760000.0, 2950000.0], number=16, street="Aberdeen Ave", id=3185)],
    )


def _no_name_field(folder: Path) -> Path:
    return _write(
        folder / "streets.geojson", [_feature("LineString", [_at(0, 0), _at(9, 9)], OBJECTID=7)]
    )


def _no_number(folder: Path) -> Path:
    good = _feature("Point", _at(0, 0), number=1, street="Ash St")
    return _write(
        folder / "addresses.geojson",
        [good, _feature("Point", _at(5, 5), number=None, street="Ash St")],
    )


def _anonymous_points(folder: Path) -> Path:
    return _write(folder / "points.geojson", [_feature("Point", _at(0, 0), colour="red")])


def _bad_range(folder: Path) -> Path:
    line = _feature("LineString", [_at(0, 0), _at(9, 9)], name="Elm St", left_from="abc", left_to=9)
    return _write(folder / "streets.geojson", [line])


NOT_JSON = '{"type": "FeatureCollection",\n "features": [ {"type": "Feature",, } ]}'
NOT_JSON_AT = f"line 2, column {NOT_JSON.splitlines()[1].index(',,') + 2}"  # the second comma


def _not_json(folder: Path) -> Path:
    path = folder / "streets.geojson"
    path.write_text(NOT_JSON)
    return path


def _not_geojson(folder: Path) -> Path:
    path = folder / "streets.geojson"
    path.write_text("[1, 2, 3]")
    return path


NOT_UTF8 = b'{"type": "FeatureCollection", "features": [], "name": "\xff\xfe"}'


def _not_utf8(folder: Path) -> Path:
    path = folder / "streets.geojson"
    path.write_bytes(NOT_UTF8)
    return path


def _no_features(folder: Path) -> Path:
    return _write(folder / "streets.geojson", [])


def _one_gigabyte(folder: Path) -> Path:
    path = folder / "addresses.geojson"
    with path.open("wb") as handle:
        handle.truncate(2**30)  # sparse: no disk used, and nothing is read
    return path


@pytest.mark.parametrize(
    ("make", "feature", "words"),
    [
        (_one_point_line, "feature 1 (id seg-2)", "fewer than two positions"),
        (_text_coordinates, "feature 1 (3 Ash St)", "not [longitude, latitude]"),
        (_open_ring, "feature 0 (Beat 1)", "not closed"),
        (_no_geometry, "feature 1 (Ash St)", "has no geometry"),
        (_polygon_among_lines, "feature 1 (Park)", "is a Polygon, expected a LineString"),
        (_crs_member, 'the "crs" member', "EPSG::2249; GeoJSON must be WGS84"),
        (_state_plane, "feature 0 (id 3185)", "export the layer as EPSG:4326"),
        (_no_name_field, "feature 0 (id 7)", "no street name field"),
        (_no_number, "feature 1 (Ash St)", "has no house number"),
        (_anonymous_points, "feature 0", "neither a house number field"),
        (_bad_range, "feature 0 (Elm St)", "'abc', not a house number"),
        (_not_json, NOT_JSON_AT, "not valid JSON"),
        (_not_geojson, "", "not GeoJSON"),
        (_not_utf8, f"byte {NOT_UTF8.index(0xFF)}", "not UTF-8"),
        (_no_features, "", "has no features"),
        (_one_gigabyte, "", "1,024 MB, more than the 256 MB allowed (setting gis.max_file_mb)"),
    ],
)
def test_malformed_files_are_refused_naming_file_and_feature_and_change_nothing(
    imported: Path, tmp_path: Path, make: Bad, feature: str, words: str
) -> None:
    before = store_file(imported).read_bytes()
    layers_before = load_layers(imported)
    bad_dir = tmp_path / "bad"
    bad_dir.mkdir()
    path = make(bad_dir)
    with pytest.raises(GisError) as caught:
        import_files([path], imported, max_bytes=DEFAULT_MAX_BYTES)
    error = caught.value
    assert error.file == str(path)
    assert error.feature == feature
    message = str(error)
    assert message.startswith(str(path))
    assert feature in message
    assert words in message
    assert store_file(imported).read_bytes() == before
    assert load_layers(imported) == layers_before
    assert [p.name for p in imported.iterdir()] == ["layers.json"]  # no temporary left behind


def test_a_bad_file_among_good_ones_stores_none_of_them(imported: Path, tmp_path: Path) -> None:
    before = store_file(imported).read_bytes()
    folder = tmp_path / "mixed"
    folder.mkdir()
    good = _write(folder / "new_places.geojson", [_feature("Point", _at(1, 1), name="New Library")])
    with pytest.raises(GisError, match="state plane"):
        import_files([good, _state_plane(folder)], imported)
    assert store_file(imported).read_bytes() == before


def test_a_damaged_store_is_reported_and_replace_recovers(imported: Path, tmp_path: Path) -> None:
    store_file(imported).write_text('{"format": "dispatch-desk-gis", "version": 1, "stre')
    with pytest.raises(GisError, match=r"damaged.*--replace"):
        load_layers(imported)
    src = tmp_path / "fresh"
    src.mkdir()
    with pytest.raises(GisError, match="damaged"):
        import_files([_places(src)], imported)
    import_files([_places(src)], imported, replace=True)
    layers = load_layers(imported)
    assert layers is not None and layers.counts()["places"] == 1


def test_the_same_address_in_two_places_is_not_trusted(tmp_path: Path, gis_dir: Path) -> None:
    path = _write(
        tmp_path / "two_towns.geojson",
        [
            _feature("Point", _at(0, 0), number=5, street="Main St", postcode="01001"),
            _feature("Point", _at(3000, 0), number=5, street="Main St", postcode="01002"),
        ],
    )
    import_files([path], gis_dir)
    layers = load_layers(gis_dir)
    assert layers is not None
    best = Geocoder(layers).geocode("5 Main St")[0]
    assert best.score < 0.9 and "01001, 01002" in best.note
