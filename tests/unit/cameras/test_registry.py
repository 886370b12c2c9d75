"""Camera registry import: good files land whole, bad rows are named and nothing lands, and
passwords in URLs go to the credential store, never into the database, settings or logs."""

from __future__ import annotations

import dataclasses
import json
import logging
import stat
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from dispatch_desk.cameras import registry
from dispatch_desk.cameras.credentials import CredentialStore
from dispatch_desk.cameras.streams import StreamCredentials, redact_url
from dispatch_desk.desk import DeskCore
from dispatch_desk.domain.enums import CameraOwner, CameraSharing
from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor
from dispatch_desk.storage.models import Camera

HEADER = "name,latitude,longitude,heading_deg,fov_deg,owner,sharing,main_url,sub_url\n"
GOOD = (
    HEADER
    + "Elm & 5th,42.3601,-71.0589,90,70,public,live,"
    + "rtsp://admin:S3cret%21@10.1.2.3:554/main,rtsp://admin:S3cret%21@10.1.2.3:554/sub\n"
    + "Corner Shop,42.3610,-71.0570,,,private,on alarm,rtsp://10.1.2.4/stream,\n"
    + "Pharmacy back,42.3620,-71.0560,180,,private,registry only,,\n"
)


@pytest.fixture
def creds(tmp_path: Path) -> CredentialStore:
    return CredentialStore.open(tmp_path / "secret-data", use_keyring=False)


def test_split_url_takes_the_secret_out() -> None:
    clean, found = registry.split_url("rtsp://op%40city:p%3Ass@[fe80::1]:8554/live?x=1")
    assert clean == "rtsp://[fe80::1]:8554/live?x=1"
    assert found == StreamCredentials("op@city", "p:ss")
    assert registry.split_url("rtsp://cam.local/live") == ("rtsp://cam.local/live", None)


def test_credentials_in_the_query_go_to_the_store_too() -> None:
    """Dahua and Hikvision style: ?user=…&password=… (or pwd, passwd, pass, username)."""
    clean, found = registry.split_url(
        "rtsp://10.0.0.5/cam/realmonitor?channel=1&user=admin&password=S3cret%23&subtype=0"
    )
    assert clean == "rtsp://10.0.0.5/cam/realmonitor?channel=1&subtype=0"
    assert found == StreamCredentials("admin", "S3cret#")
    clean, found = registry.split_url("http://10.0.0.5/mjpg/video.mjpg?USERNAME=admin&pwd=S3cret")
    assert (clean, found) == (
        "http://10.0.0.5/mjpg/video.mjpg",
        StreamCredentials("admin", "S3cret"),
    )
    [record] = registry.check_rows(
        [
            {
                "name": "Q",
                "latitude": "38.6",
                "longitude": "-90.2",
                "owner": "public",
                "sharing": "live",
                "main_url": "rtsp://10.0.0.5/cam/realmonitor?channel=1&user=admin&password=S3cret",
            }
        ]
    )
    assert "S3cret" not in record.main_url and "admin" not in record.main_url
    assert record.credentials == StreamCredentials("admin", "S3cret")
    safe = redact_url("rtsp://10.0.0.5/c?channel=1&user=admin&pwd=S3cret&passwd=x&pass=y")
    assert safe == "rtsp://10.0.0.5/c?channel=1"


@pytest.mark.parametrize(
    "url",
    [
        "rtsp://admin:pa#ss@10.0.0.5/Streaming/101",
        "rtsp://admin:12345#x@10.0.0.5/s",
        "rtsp://admin:se/cret@10.0.0.5/s",
        "rtsp://admin:que?ry@10.0.0.5/s",
    ],
)
def test_a_password_that_breaks_the_address_is_refused_without_echoing_it(url: str) -> None:
    row = {"name": "A", "latitude": "38.6", "longitude": "-90.2", "owner": "public"}
    with pytest.raises(registry.ImportRejected) as caught:
        registry.check_rows([dict(row, sharing="live", main_url=url)])
    message = str(caught.value)
    assert "percent-encode" in message
    secret = url.split("//admin:")[1].split("@")[0]
    assert "main_url: not a valid URL (if the password" in message
    for piece in {secret, *secret.replace("#", "/").replace("?", "/").split("/")} - {""}:
        assert len(piece) < 4 or piece not in message
    assert "admin" not in message and "10.0.0.5" not in message


def test_good_csv_imports_and_stores_urls_clean(
    core: DeskCore, dispatcher: Actor, creds: CredentialStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    records = registry.parse_csv(GOOD)
    result, _ = core.store.write_sync(
        registry.import_cameras, dispatcher, records, creds, core.clock()
    )
    assert (result.added, result.updated, result.with_credentials) == (3, 0, 1)
    cams = {c.name: c for c in core.store.read_sync(registry.list_cameras)}
    elm = cams["Elm & 5th"]
    assert elm.main_url == "rtsp://10.1.2.3:554/main"
    assert elm.sub_url == "rtsp://10.1.2.3:554/sub"
    assert creds.get(elm.credential_ref) == StreamCredentials("admin", "S3cret!")
    assert cams["Corner Shop"].sharing == CameraSharing.ALARM
    assert cams["Corner Shop"].sub_url == "rtsp://10.1.2.4/stream"  # falls back to main
    assert cams["Corner Shop"].credential_ref == ""
    assert cams["Pharmacy back"].sharing == CameraSharing.REGISTRY
    assert cams["Pharmacy back"].owner == CameraOwner.PRIVATE

    # The secret is nowhere in the database, the settings or the logs; the store file is
    # private to this user and does not hold it in clear.
    # (The database file and its write-ahead log, settings, logs, state: everything on disk.)
    home = core.paths.data_dir.parent
    on_disk = [p for p in home.rglob("*") if p.is_file()]
    assert core.settings.store_file(core.paths) in on_disk
    for path in [*on_disk, creds.file]:
        if path.is_file():
            data = path.read_bytes()
            assert b"S3cret" not in data and b"S3cret%21" not in data, path
    assert "S3cret" not in caplog.text
    assert stat.S_IMODE(creds.file.stat().st_mode) == 0o600
    assert stat.S_IMODE((creds.file.parent / "camera-credentials.key").stat().st_mode) == 0o600
    rows = core.store.read_sync(audit.list_events, action="camera.import")
    assert rows[-1].detail == {"added": 3, "updated": 0, "with_credentials": 1}

    # A second import of the same name updates rather than duplicates.
    again = registry.parse_csv(HEADER + "Elm & 5th,42.3,-71.0,,,public,live,rtsp://h/x,\n")
    result, _ = core.store.write_sync(
        registry.import_cameras, dispatcher, again, creds, core.clock()
    )
    assert (result.added, result.updated) == (0, 1)
    names = core.store.read_sync(lambda s: list(s.scalars(select(Camera.name))))
    assert names.count("Elm & 5th") == 1


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (",42.3,-71.0,,,public,live,rtsp://h/x,", "row 1, name: missing"),
        ("A,95,-71.0,,,public,live,rtsp://h/x,", "row 1, latitude: 95 is outside -90 to 90"),
        ("A,north,-71.0,,,public,live,rtsp://h/x,", "row 1, latitude: 'north' is not a number"),
        ("A,42.3,-71.0,400,,public,live,rtsp://h/x,", "row 1, heading_deg: 400 is outside"),
        ("A,42.3,-71.0,,,city,live,rtsp://h/x,", "row 1, owner: 'city' must be public or private"),
        ("A,42.3,-71.0,,,public,sometimes,rtsp://h/x,", "row 1, sharing: 'sometimes' must be"),
        ("A,42.3,-71.0,,,public,live,ftp://h/x,", "row 1, main_url: scheme 'ftp' is not one of"),
        ("A,42.3,-71.0,,,public,live,rtsp://h:port/x,", "row 1, main_url: not a valid URL"),
        ("A,42.3,-71.0,,,public,live,,", "row 1, main_url: a camera that can be viewed needs"),
        (
            "A,42.3,-71.0,,,public,live,rtsp://a:b@h/x,rtsp://a:c@h/y",
            "row 1, sub_url: carries other credentials than main_url",
        ),
    ],
)
def test_bad_csv_row_is_named(row: str, expected: str) -> None:
    with pytest.raises(registry.ImportRejected) as caught:
        registry.parse_csv(HEADER + row + "\n")
    assert expected in str(caught.value)


def test_one_bad_row_imports_nothing(
    core: DeskCore, dispatcher: Actor, creds: CredentialStore
) -> None:
    # Bad rows in a file are named and stop the import before it starts ...
    bad = GOOD + "Dup,1,1,,,public,live,rtsp://h/x,\nDup,1,1,,,public,live,rtsp://h/y,\n"
    bad += "Broken,1,,,,public,live,rtsp://h/z,\n"
    with pytest.raises(registry.ImportRejected) as caught:
        registry.parse_csv(bad)
    message = str(caught.value)
    assert "nothing was imported" in message
    assert "row 5, name: same name as row 4" in message
    assert "row 6, longitude: missing" in message
    # ... and a batch that import_cameras itself cannot store changes nothing either: not the
    # cameras, not their logins.
    core.store.write_sync(
        registry.import_cameras, dispatcher, registry.parse_csv(GOOD), creds, core.clock()
    )
    before = core.store.read_sync(registry.list_cameras)
    logins = {ref: creds.get(ref) for ref in creds.refs()}
    moved = registry.parse_csv(GOOD.replace("admin:S3cret%21@10.1.2.3", "root:Other@10.9.9.9"))
    new = dataclasses.replace(moved[1], name="New camera")
    batch = [*moved, new, dataclasses.replace(new, main_url="rtsp://10.9.9.8/again")]
    with pytest.raises(Exception) as failed:  # the same new camera twice in one batch
        core.store.write_sync(registry.import_cameras, dispatcher, batch, creds, core.clock())
    assert not isinstance(failed.value, AssertionError)
    assert core.store.read_sync(registry.list_cameras) == before
    assert {ref: creds.get(ref) for ref in creds.refs()} == logins


def test_json_import_and_its_bad_rows(core: DeskCore, dispatcher: Actor, creds: CredentialStore):
    data = {
        "cameras": [
            {
                "name": "Bridge North",
                "lat": 42.37,
                "lon": -71.05,
                "heading": 10,
                "owner": "public",
                "sharing": "live",
                "main_url": "rtsp://bridge/main",
                "username": "viewer",
                "password": "pw-in-column",
            }
        ]
    }
    records = registry.parse_json(json.dumps(data))
    core.store.write_sync(registry.import_cameras, dispatcher, records, creds, core.clock())
    cam = next(c for c in core.store.read_sync(registry.list_cameras) if c.name == "Bridge North")
    assert creds.get(cam.credential_ref) == StreamCredentials("viewer", "pw-in-column")

    for text_in, expected in [
        ("{", "not valid JSON"),
        ('{"cams": []}', "JSON must be a list of cameras"),
        ("[]", "the file lists no cameras"),
        ('[1, {"name": "X"}]', "row 1, row: not an object"),
        (
            '[{"name": "X", "lat": 1, "lon": 1, "owner": "public", "sharing": "live",'
            ' "main_url": "rtsp://h/x", "colour": "red"}]',
            "row 1, columns: unknown colour",
        ),
    ]:
        with pytest.raises(registry.ImportRejected) as caught:
            registry.parse_json(text_in)
        assert expected in str(caught.value)


def test_search_by_name_and_by_place(core: DeskCore) -> None:
    geo = core.geo_now()
    entries = registry.with_places(core.store.read_sync(registry.list_cameras), geo)
    assert len(entries) >= 10
    assert any(e.near for e in entries), "no camera got a nearest address"
    by_name = registry.search(entries, "hospital er")
    assert [e.name for e in by_name] == ["Hospital ER Bay"]
    # By an address near a camera: that camera is found although its name does not say so.
    hospital = by_name[0]
    place = geo.reverse(hospital.latitude, hospital.longitude, 150)
    assert place is not None
    found = registry.search(entries, place.label, geo, radius_m=300)
    assert hospital.id in [e.id for e in found]
    assert registry.search(entries, "zzzz no such camera", geo) == []


def _one(url: str, name: str = "Probe Cam") -> list[registry.CameraRecord]:
    row = {"name": name, "latitude": "38.6", "longitude": "-90.2", "owner": "public"}
    return registry.check_rows([dict(row, sharing="live", main_url=url)])


def _cam(core: DeskCore, name: str = "Probe Cam") -> registry.CameraEntry:
    return next(c for c in core.store.read_sync(registry.list_cameras) if c.name == name)


def test_a_new_address_without_a_login_forgets_the_old_one(
    core: DeskCore, dispatcher: Actor, creds: CredentialStore
) -> None:
    old = _one("rtsp://alice:OldSecret@10.0.0.5/s")
    core.store.write_sync(registry.import_cameras, dispatcher, old, creds, core.clock())
    ref = _cam(core).credential_ref
    assert creds.get(ref) == StreamCredentials("alice", "OldSecret")
    # The same address again, with no login: the stored one still applies.
    same = _one("rtsp://10.0.0.5/s")
    core.store.write_sync(registry.import_cameras, dispatcher, same, creds, core.clock())
    assert _cam(core).credential_ref == ref
    # Another host and no login: the old password must not be sent to it.
    moved = _one("rtsp://203.0.113.9/other")
    core.store.write_sync(registry.import_cameras, dispatcher, moved, creds, core.clock())
    assert _cam(core).credential_ref == ""
    assert creds.get(ref) is None and creds.refs() == []


def test_an_import_that_rolls_back_leaves_the_stored_logins_as_they_were(
    core: DeskCore, dispatcher: Actor, creds: CredentialStore
) -> None:
    first = _one("rtsp://alice:OldSecret@10.0.0.5/s")
    core.store.write_sync(registry.import_cameras, dispatcher, first, creds, core.clock())
    ref = _cam(core).credential_ref

    def fails_after(session: Session, *args: object) -> None:
        registry.import_cameras(session, *args)  # type: ignore[arg-type]
        raise RuntimeError("the database refused the commit")

    for url in ("rtsp://alice:NewSecret@10.0.0.5/s", "rtsp://203.0.113.9/other"):
        with pytest.raises(RuntimeError):
            core.store.write_sync(fails_after, dispatcher, _one(url), creds, core.clock())
        assert _cam(core).main_url == "rtsp://10.0.0.5/s" and _cam(core).credential_ref == ref
        assert creds.get(ref) == StreamCredentials("alice", "OldSecret")
