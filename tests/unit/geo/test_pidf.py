"""PIDF-LO: what we write reads back the same; what others write (RFC 5491 shapes) is read;
hostile or unsupported documents are refused with a reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from dispatch_desk.geo.pidf import PidfError, PidfLocation, from_pidf, to_pidf

ENTITY = "pres:+16175550101@example.net"


@pytest.mark.parametrize("radius", [None, 12.5, 0.0, 3000.0])
def test_round_trip(radius: float | None) -> None:
    sent = PidfLocation(
        42.3755926,
        -71.1463509,
        radius,
        datetime(2026, 3, 14, 15, 0, 7, tzinfo=UTC),
        "GPS",
        ENTITY,
    )
    assert from_pidf(to_pidf(sent)) == [sent]


def test_round_trip_without_time_or_method_and_with_awkward_text() -> None:
    sent = PidfLocation(-33.8688, 151.2093, None, None, "", 'sip:"odd"&<name>@example.org')
    assert from_pidf(to_pidf(sent)) == [sent]


# RFC 5491-style document: dm:device, a circle, local time offset.
DEVICE_CIRCLE = """<?xml version="1.0" encoding="UTF-8"?>
<presence xmlns="urn:ietf:params:xml:ns:pidf"
    xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model"
    xmlns:gp="urn:ietf:params:xml:ns:pidf:geopriv10"
    xmlns:gml="http://www.opengis.net/gml"
    xmlns:gs="http://www.opengis.net/pidflo/1.0"
    entity="pres:alice@example.com">
  <dm:device id="phone">
    <gp:geopriv>
      <gp:location-info>
        <gs:Circle srsName="urn:ogc:def:crs:EPSG::4326">
          <gml:pos>42.5 -73.2</gml:pos>
          <gs:radius uom="urn:ogc:def:uom:EPSG::9001">850.24</gs:radius>
        </gs:Circle>
      </gp:location-info>
      <gp:usage-rules/>
      <gp:method>Cell</gp:method>
    </gp:geopriv>
    <dm:deviceID>mac:1234567890ab</dm:deviceID>
    <dm:timestamp>2007-06-22T20:57:29-05:00</dm:timestamp>
  </dm:device>
</presence>"""


def test_reads_a_device_circle_as_others_write_it() -> None:
    [loc] = from_pidf(DEVICE_CIRCLE)
    assert (loc.lat, loc.lon, loc.radius_m) == (42.5, -73.2, 850.24)
    assert loc.method == "Cell" and loc.entity == "pres:alice@example.com"
    assert loc.timestamp == datetime(2007, 6, 22, 20, 57, 29, tzinfo=timezone(timedelta(hours=-5)))


def test_reads_a_3d_point_and_keeps_its_position() -> None:
    xml = DEVICE_CIRCLE.replace(
        """<gs:Circle srsName="urn:ogc:def:crs:EPSG::4326">
          <gml:pos>42.5 -73.2</gml:pos>
          <gs:radius uom="urn:ogc:def:uom:EPSG::9001">850.24</gs:radius>
        </gs:Circle>""",
        """<gml:Point srsName="urn:ogc:def:crs:EPSG::4979"><gml:pos>42.5 -73.2 36</gml:pos>
        </gml:Point>""",
    )
    [loc] = from_pidf(xml)
    assert (loc.lat, loc.lon, loc.radius_m) == (42.5, -73.2, None)


XXE = """<?xml version="1.0"?>
<!DOCTYPE presence [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="&secret;"/>"""

LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="&lol3;"/>"""


@pytest.mark.parametrize("xml", [XXE, LAUGHS, XXE.replace("DOCTYPE", "doctype")])
def test_hostile_xml_is_refused_before_parsing(xml: str) -> None:
    with pytest.raises(PidfError, match="DOCTYPE or ENTITY"):
        from_pidf(xml)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (
            ('<gs:Circle srsName="urn:ogc:def:crs:EPSG::4326">', '<gs:Circle srsName="EPSG:2249">'),
            "only urn:ogc:def:crs:EPSG::4326",
        ),
        (("urn:ogc:def:uom:EPSG::9001", "urn:ogc:def:uom:EPSG::9002"), "metres"),
        (("<gml:pos>42.5 -73.2</gml:pos>", "<gml:pos>142.5 -73.2</gml:pos>"), "latitude longitude"),
        (("<gml:pos>42.5 -73.2</gml:pos>", "<gml:pos>north</gml:pos>"), "not numbers"),
        (("850.24", "far"), "not a number"),
        (("2007-06-22T20:57:29-05:00", "yesterday"), "ISO 8601"),
        (("gs:Circle", "gs:Ellipsoid"), "Ellipsoid is not supported"),
        (("<gp:location-info>", "<gp:location-infox>"), "not well-formed"),
    ],
)
def test_unsupported_or_broken_documents_say_why(change: tuple[str, str], words: str) -> None:
    xml = DEVICE_CIRCLE.replace(*change)
    assert xml != DEVICE_CIRCLE
    with pytest.raises(PidfError, match=words):
        from_pidf(xml)


def test_polygon_and_empty_and_foreign_documents() -> None:
    polygon = DEVICE_CIRCLE.replace(
        DEVICE_CIRCLE[DEVICE_CIRCLE.index("<gs:Circle") : DEVICE_CIRCLE.index("</gs:Circle>") + 12],
        '<gml:Polygon srsName="urn:ogc:def:crs:EPSG::4326"><gml:exterior/></gml:Polygon>',
    )
    with pytest.raises(PidfError, match="Polygon is not supported"):
        from_pidf(polygon)
    with pytest.raises(PidfError, match="no gml:Point or gs:Circle"):
        from_pidf('<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="x"/>')
    with pytest.raises(PidfError, match="root element"):
        from_pidf("<html><body/></html>")
    with pytest.raises(PidfError, match="not well-formed"):
        from_pidf("")
