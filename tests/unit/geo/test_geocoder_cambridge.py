"""The geocoder against the City of Cambridge's real GIS: every address point, typed the ways a
call-taker types it, plus misspellings, intersections, places, numbers that do not exist and
garbage. Expected positions come from the raw GeoJSON, read independently of our reader."""

from __future__ import annotations

import random
import string
from typing import Any

import pytest

from dispatch_desk.geo.geocoder import GeocodeMatch, Geocoder
from dispatch_desk.geo.geometry import haversine_m
from tests.helpers.gis_data import raw_features


def _point(feature: dict[str, Any]) -> tuple[float, float]:
    lon, lat = feature["geometry"]["coordinates"]
    return lat, lon


def _addresses_on(street: str) -> list[dict[str, Any]]:
    return [f for f in raw_features("addresses.geojson") if f["properties"]["street"] == street]


def _vertices(street: str) -> list[tuple[float, float]]:
    return [
        (lat, lon)
        for f in raw_features("streets.geojson")
        if f["properties"]["name"] == street
        for lon, lat in f["geometry"]["coordinates"]
    ]


def _near_street(match: GeocodeMatch, street: str, metres: float) -> bool:
    return any(
        haversine_m(match.lat, match.lon, lat, lon) <= metres for lat, lon in _vertices(street)
    )


def _at(match: GeocodeMatch, lat: float, lon: float, metres: float = 1.0) -> bool:
    return haversine_m(match.lat, match.lon, lat, lon) <= metres


def test_every_address_point_as_written_and_in_long_lower_case(cambridge: Geocoder) -> None:
    failures = []
    features = raw_features("addresses.geojson")
    for feature in features:
        props = feature["properties"]
        lat, lon = _point(feature)
        for typed in (
            f"{props['housenumber']} {props['street']}",
            f"{props['housenumber']} {props['street_full']}".lower(),
        ):
            found = cambridge.geocode(typed, 1)
            good = found and found[0].kind == "address" and found[0].score >= 0.9
            if not good or not _at(found[0], lat, lon):
                failures.append((typed, found[:1]))
    # "4-12 Story St" is both the point 4, suffix 12, and a range 4 to 12 of numbers: the
    # reading as a range is kept, so a very few such points go to their neighbour.
    assert len(failures) <= 4, failures[:10]
    assert len(features) > 20_000


@pytest.mark.parametrize(
    ("template", "street"),
    [
        ("{n} Masachusetts Ave", "Massachusetts Ave"),
        ("{n} Massachusets Avenue", "Massachusetts Ave"),
        ("{n} Cambrige St", "Cambridge St"),
        ("{n} cambridge stret", "Cambridge St"),
        ("{n} Brodway", "Broadway"),
    ],
)
def test_misspelt_streets_are_corrected_with_a_lower_score(
    cambridge: Geocoder, template: str, street: str
) -> None:
    rng = random.Random(template)
    for feature in rng.sample(_addresses_on(street), 10):
        props = feature["properties"]
        if props["number_suffix"]:
            continue
        found = cambridge.geocode(template.format(n=props["number"]), 3)
        assert found, template
        best = found[0]
        assert best.kind == "address"
        assert 0.6 < best.score < 0.9
        assert street in best.note
        assert _at(best, *_point(feature))


def test_abbreviations_ordinals_and_aliases(cambridge: Geocoder) -> None:
    sixth = next(f for f in _addresses_on("Sixth St") if not f["properties"]["number_suffix"])
    mass = next(f for f in _addresses_on("Massachusetts Ave") if f["properties"]["number"] > 500)
    mount = next(f for f in _addresses_on("Mt Auburn St") if not f["properties"]["number_suffix"])
    cases = [
        (f"{sixth['properties']['number']} 6th Street", sixth, 0.9),
        (f"{sixth['properties']['number']} SIXTH ST.", sixth, 0.9),
        (f"{mount['properties']['number']} Mount Auburn Street", mount, 0.9),
        (f"{mount['properties']['number']} mt. auburn st", mount, 0.9),
        (f"{mass['properties']['number']} Mass Ave", mass, 0.9),  # the centreline alias
    ]
    for typed, feature, at_least in cases:
        found = cambridge.geocode(typed, 1)
        assert found and found[0].score >= at_least, typed
        assert _at(found[0], *_point(feature)), typed


def test_units_towns_and_a_remark_in_brackets_do_not_get_in_the_way(cambridge: Geocoder) -> None:
    feature = next(f for f in _addresses_on("Aberdeen Ave") if f["properties"]["number"] == 16)
    for typed in (
        "16 Aberdeen Ave Apt 3",
        "16 Aberdeen Ave #3",
        "16 Aberdeen Ave, Cambridge, MA 02138",
        "16 ABERDEEN AVE CAMBRIDGE MA",
        "16 Aberdeen Ave (back door)",
    ):
        found = cambridge.geocode(typed, 1)
        assert found and found[0].kind == "address" and found[0].score >= 0.9, typed
        assert _at(found[0], *_point(feature)), typed
    assert "Apt 3" in cambridge.geocode("16 Aberdeen Ave Apt 3", 1)[0].label


def test_a_street_missing_its_type_or_with_the_wrong_type_scores_lower(cambridge: Geocoder) -> None:
    feature = next(f for f in _addresses_on("Aberdeen Ave") if f["properties"]["number"] == 16)
    for typed in ("16 Aberdeen", "16 Aberdeen St"):
        found = cambridge.geocode(typed)
        assert found and 0.6 < found[0].score < 0.9, typed
        assert _at(found[0], *_point(feature)), typed
    assert "Aberdeen Ave" in cambridge.geocode("16 Aberdeen St")[0].note


@pytest.mark.parametrize(
    "typed",
    [
        "Massachusetts Ave & Prospect St",
        "Massachusetts Avenue and Prospect Street",
        "MASSACHUSETTS AVE AT PROSPECT ST",
        "prospect st / massachusetts ave",
        "Massachusetts Ave @ Prospect St",
    ],
)
def test_intersections(cambridge: Geocoder, typed: str) -> None:
    found = cambridge.geocode(typed)
    assert found and found[0].kind == "intersection"
    assert found[0].score >= 0.9
    assert _near_street(found[0], "Massachusetts Ave", 5)
    assert _near_street(found[0], "Prospect St", 5)


def test_intersections_with_short_names_and_aliases_score_lower(cambridge: Geocoder) -> None:
    found = cambridge.geocode("Mass Ave and Prospect")
    assert found and found[0].kind == "intersection" and 0.6 < found[0].score < 0.9
    assert _near_street(found[0], "Massachusetts Ave", 5)
    assert _near_street(found[0], "Prospect St", 5)


def test_streets_that_never_meet_are_not_given_a_corner(cambridge: Geocoder) -> None:
    # Aberdeen Ave (west) and First St (east) are far apart.
    found = cambridge.geocode("Aberdeen Ave & First St")
    assert found, "both streets exist, so they are shown, with a low score"
    assert all(m.kind == "street" and m.score <= 0.3 for m in found)


def _numbers_on(street: str) -> list[int]:
    numbers = [f["properties"]["number"] for f in _addresses_on(street)]
    for f in raw_features("streets.geojson"):
        props = f["properties"]
        if props["name"] == street:
            numbers += [props[k] for k in ("left_from", "left_to", "right_from", "right_to")]
    return [n for n in numbers if n is not None]


@pytest.mark.parametrize("street", ["Cambridge St", "Aberdeen Ave", "Massachusetts Ave"])
def test_numbers_beyond_the_street_show_the_nearest_with_a_low_score(
    cambridge: Geocoder, street: str
) -> None:
    highest = max(_numbers_on(street))
    typed = f"{highest + 1000} {street}"
    found = cambridge.geocode(typed)
    assert found
    assert all(m.score <= 0.6 for m in found), "never a silent wrong hit"
    best = found[0]
    assert str(highest + 1000) in best.note and "nearest" in best.note
    assert str(highest) in best.label
    assert _near_street(best, street, 60)


def test_a_number_inside_a_block_range_without_a_point_is_interpolated(
    cambridge: Geocoder,
) -> None:
    points = {
        (f["properties"]["street"], f["properties"]["number"])
        for f in raw_features("addresses.geojson")
    }
    checked = 0
    for feature in raw_features("streets.geojson"):
        props = feature["properties"]
        low, high = props["left_from"], props["left_to"]
        if low is None or high is None or abs(high - low) < 20:
            continue
        number = min(low, high) + 10
        if (props["name"], number) in points or (props["name"], number - 2) in points:
            continue
        found = cambridge.geocode(f"{number} {props['name']}", 1)
        assert found and found[0].kind == "interpolated", (number, props["name"])
        assert 0.6 < found[0].score < 0.9
        segment = [(lat, lon) for lon, lat in feature["geometry"]["coordinates"]]
        # On this block (within the house setback of one of its vertices' span).
        assert min(haversine_m(found[0].lat, found[0].lon, *v) for v in segment) < 250
        checked += 1
        if checked == 25:
            break
    assert checked == 25


@pytest.mark.parametrize("name", ["Fire Headquarters", "Cambridge Public Library"])
def test_places_by_name(cambridge: Geocoder, name: str) -> None:
    poi = next(f for f in raw_features("pois.geojson") if f["properties"]["name"] == name)
    for typed in (name, name.upper(), name.lower()):
        found = cambridge.geocode(typed)
        assert found and found[0].kind == "place" and found[0].score >= 0.9, typed
        assert _at(found[0], *_point(poi))


def test_part_of_a_place_name_finds_it_with_a_lower_score(cambridge: Geocoder) -> None:
    poi = next(
        f for f in raw_features("pois.geojson") if f["properties"]["name"] == "Harvard Law School"
    )
    found = cambridge.geocode("harvard law")
    assert found and found[0].kind == "place" and 0.5 < found[0].score < 0.9
    assert _at(found[0], *_point(poi))


def _noise(length: int) -> str:
    rng = random.Random(length)
    return "".join(
        rng.choice(string.ascii_letters + string.digits + " ,.-#") for _ in range(length)
    )


@pytest.mark.parametrize(
    "typed",
    [
        "asdf qwerty",
        "",
        "   ",
        "!!!",
        "12345",
        _noise(300),
        "🚓🚒🚑 🔥🔥",
        "شارع الملك فهد ١٢",
        "רחוב הרצל 12",
        "\x00\x1b[31m",
    ],
)
def test_garbage_is_no_match(cambridge: Geocoder, typed: str) -> None:
    assert cambridge.geocode(typed) == []


def test_reverse_finds_the_address_point_under_and_near_a_position(cambridge: Geocoder) -> None:
    rng = random.Random(11)
    for feature in rng.sample(raw_features("addresses.geojson"), 100):
        lat, lon = _point(feature)
        found = cambridge.reverse(lat, lon)
        assert found is not None and found.kind == "address"
        assert _at(found, lat, lon, 0.01)  # parcels share points: any address there will do
        assert found.score >= 0.9


def test_reverse_is_the_true_nearest_point(cambridge: Geocoder) -> None:
    rng = random.Random(12)
    features = raw_features("addresses.geojson")
    for _ in range(20):
        lat, lon = rng.uniform(42.36, 42.39), rng.uniform(-71.14, -71.09)
        nearest = min(haversine_m(lat, lon, *_point(f)) for f in features)
        found = cambridge.reverse(lat, lon, max_m=500)
        if nearest > 500:
            assert found is None or found.kind != "address"
            continue
        assert found is not None
        assert haversine_m(lat, lon, found.lat, found.lon) == pytest.approx(nearest, abs=0.01)


def test_reverse_far_from_everything_is_none(cambridge: Geocoder) -> None:
    assert cambridge.reverse(0.0, 0.0) is None
    assert cambridge.reverse(42.0, -71.5) is None  # 40 km away


def test_reverse_off_the_address_points_names_the_street(cambridge: Geocoder) -> None:
    # The middle of the Harvard Bridge: no address point within 150 m, a centreline under it.
    bridge = _vertices("Harvard Bridge")
    lat = sum(v[0] for v in bridge) / len(bridge)
    lon = sum(v[1] for v in bridge) / len(bridge)
    found = cambridge.reverse(lat, lon, max_m=150)
    assert found is not None and "Harvard Bridge" in found.label
    assert found.kind in ("street", "interpolated")
