"""Saved wall views round-trip through the database; stills are hashed, narrated, audited."""

from __future__ import annotations

import hashlib
import io
import stat
import uuid
from pathlib import Path

import av
import pytest

from dispatch_desk.cameras import registry, stills, views
from dispatch_desk.cameras.credentials import CredentialStore, CredentialStoreError
from dispatch_desk.cameras.streams import StreamCredentials
from dispatch_desk.desk import DeskCore
from dispatch_desk.domain.enums import CameraSharing
from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor, RuleViolation
from tests.helpers.core import create_incident, free_units


def test_wall_view_round_trip(core: DeskCore, dispatcher: Actor) -> None:
    cams = [c.id for c in core.store.read_sync(registry.list_cameras)]
    tiles = [views.TileSpec((c,)) for c in cams[:8]] + [views.TileSpec(tuple(cams[:3]), 7.0)]
    spec = views.WallSpec(3, 3, tuple(tiles))
    core.store.write_sync(views.save_view, dispatcher, "  Downtown  3x3 ", spec, core.clock())
    loaded = core.store.read_sync(views.load_view, "Downtown 3x3")
    assert loaded.spec == spec
    assert loaded.spec.tiles[8].dwell_s == 7.0
    # Saving again under the name replaces it.
    smaller = views.WallSpec(2, 2, tuple(tiles[:2]))
    core.store.write_sync(views.save_view, dispatcher, "Downtown 3x3", smaller, core.clock())
    names = [v.name for v in core.store.read_sync(views.list_views)]
    assert names == ["Downtown 3x3"]
    assert core.store.read_sync(views.load_view, "Downtown 3x3").spec.tiles[2] == views.TileSpec()
    with pytest.raises(RuleViolation):
        views.WallSpec(0, 3)
    with pytest.raises(RuleViolation, match="cannot be read"):
        views.WallSpec.from_json('{"rows": 2}')
    with pytest.raises(RuleViolation, match="needs a name"):
        core.store.write_sync(views.save_view, dispatcher, "   ", spec, core.clock())


def _jpeg() -> bytes:
    frame = av.VideoFrame(64, 48, "rgb24")
    for plane in frame.planes:
        plane.update(bytes(plane.buffer_size))
    out = io.BytesIO()
    with av.open(out, "w", format="mjpeg") as container:
        stream = container.add_stream("mjpeg", rate=1)
        stream.width, stream.height, stream.pix_fmt = 64, 48, "yuvj420p"
        for packet in stream.encode(frame.reformat(format="yuvj420p")):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return out.getvalue()


def test_still_attached_hashed_narrated_and_sent(core: DeskCore, dispatcher: Actor) -> None:
    cam = next(
        c for c in core.store.read_sync(registry.list_cameras) if c.sharing == CameraSharing.LIVE
    )
    incident = create_incident(core, dispatcher)
    jpeg = _jpeg()
    file = stills.write_still_file(core.paths.media_dir, cam.id, jpeg, core.clock())
    assert file.sha256 == hashlib.sha256(jpeg).hexdigest()
    assert stat.S_IMODE((core.paths.media_dir / file.file_name).stat().st_mode) == 0o600
    info, _ = core.store.write_sync(
        stills.attach_still,
        dispatcher,
        core.incidents,
        cam.id,
        incident.id,
        file,
        64,
        48,
        core.clock(),
    )
    assert stills.verify_still(core.paths.media_dir, info)
    detail = core.store.read_sync(core.incidents.detail, incident.id)
    assert any("Camera still attached" in n.text and cam.name in n.text for n in detail.narrative)
    trail = core.store.read_sync(audit.list_events, action="camera.still.attach")
    assert trail[-1].detail["sha256"] == file.sha256

    with pytest.raises(RuleViolation, match="No units are assigned"):
        core.store.write_sync(
            stills.send_to_assigned_units, dispatcher, core.incidents, info.id, core.clock()
        )
    unit = free_units(core, 1)[0]
    core.store.write_sync(core.units.assign, dispatcher, unit.id, incident.id, core.clock())
    signs, _ = core.store.write_sync(
        stills.send_to_assigned_units, dispatcher, core.incidents, info.id, core.clock()
    )
    assert signs == [unit.call_sign]
    detail = core.store.read_sync(core.incidents.detail, incident.id)
    assert any("No unit messaging link yet" in n.text for n in detail.narrative)
    sent = core.store.read_sync(audit.list_events, action="camera.still.send")
    assert sent[-1].detail["units"] == [unit.call_sign]
    assert sent[-1].detail["delivered"] is False
    assert core.store.read_sync(stills.list_stills, incident.id)[0].sent_to == unit.call_sign

    # A file changed on disk no longer verifies.
    (core.paths.media_dir / file.file_name).write_bytes(jpeg + b"x")
    assert not stills.verify_still(core.paths.media_dir, info)
    with pytest.raises(ValueError, match="not a JPEG"):
        stills.write_still_file(core.paths.media_dir, cam.id, b"PNG", core.clock())


def test_credential_store_is_private_and_encrypted(tmp_path: Path) -> None:
    store = CredentialStore.open(tmp_path / "d", use_keyring=False)
    assert store.key_source == "key file"
    ref = f"camera:{uuid.uuid4()}"
    store.put(ref, StreamCredentials("op", "hunter2-secret"))
    assert store.get(ref) == StreamCredentials("op", "hunter2-secret")
    assert "hunter2" not in repr(store.get(ref))
    assert b"hunter2" not in store.file.read_bytes()
    assert stat.S_IMODE(store.file.stat().st_mode) == 0o600
    # A second opening (another process) reads it with the same machine key.
    assert CredentialStore.open(tmp_path / "d", use_keyring=False).get(ref) is not None
    store.remove(ref)
    assert store.get(ref) is None and store.refs() == []
    # With another key the file cannot be read, and says so plainly.
    (tmp_path / "d" / "camera-credentials.key").unlink()
    store.put(ref, StreamCredentials("a", "b"))
    other = CredentialStore.open(tmp_path / "e", use_keyring=False)
    other.file.write_bytes(store.file.read_bytes())
    with pytest.raises(CredentialStoreError, match="cannot be read"):
        other.get(ref)
