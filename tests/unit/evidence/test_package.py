"""The evidence package: what it holds, that it verifies, and that any change to it is named."""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from pathlib import Path

import pytest

from dispatch_desk.desk import DeskCore
from dispatch_desk.evidence import signing
from dispatch_desk.evidence.package import ExportCancelled, ExportResult, export_package
from dispatch_desk.evidence.verify import verify_package
from dispatch_desk.services import audit
from dispatch_desk.services.context import Actor, PermissionDenied
from tests.helpers.evidence_data import Case, add_case


@pytest.fixture
def key(core: DeskCore) -> signing.Ed25519PrivateKey:
    return signing.generate(signing.private_key_path(core.settings.evidence, core.paths))


@pytest.fixture
def case(core: DeskCore, supervisor: Actor) -> Case:
    return add_case(core, supervisor, core.clock())


@pytest.fixture
def exported(
    core: DeskCore, supervisor: Actor, case: Case, key: signing.Ed25519PrivateKey, tmp_path: Path
) -> ExportResult:
    return export_package(core, supervisor, case.incident_id, tmp_path / "out")


def _flip(path: Path, at: int | None = None) -> None:
    data = bytearray(path.read_bytes())
    i = len(data) // 2 if at is None else at
    data[i] ^= 0x01
    path.write_bytes(bytes(data))


def test_package_holds_everything_and_verifies(
    core: DeskCore,
    supervisor: Actor,
    case: Case,
    key: signing.Ed25519PrivateKey,
    exported: ExportResult,
) -> None:
    folder = exported.folder
    manifest = json.loads((folder / "manifest.json").read_bytes())
    paths = {f["path"] for f in manifest["files"]}
    assert {
        "transcript.txt",
        "transcript.json",
        "trail.geojson",
        "media/recording/recording-1.mp4",
        "media/photo/photo-1.jpg",
        "media/camera-still/still-cam.jpg",
    } <= paths
    for entry in manifest["files"]:
        data = (folder / entry["path"]).read_bytes()
        assert entry["size"] == len(data)
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
    copied = (folder / "media/recording/recording-1.mp4").read_bytes()
    assert copied == case.files["recording"].read_bytes()
    # The other desk's recording is listed, with the hash its row keeps, but not included.
    assert [(n["workstation"], n["sha256"], n["reason"]) for n in manifest["not_included"]] == [
        ("other-ws", "ab" * 32, "held on workstation other-ws")
    ]
    assert manifest["incident"]["number"] == case.number
    assert manifest["exported_by"]["username"] == supervisor.username
    assert manifest["workstation"] == core.workstation
    assert manifest["agency"] == core.profile.name
    assert manifest["signer"]["fingerprint"] == signing.fingerprint(key.public_key())
    assert "incident.eido.json" in paths and manifest["notes"] == []
    eido = json.loads((folder / "incident.eido.json").read_bytes())
    assert case.number in json.dumps(eido)
    # The EIDO document names the media by their SHA-256 (RFC 6920), as the manifest does.
    digest = base64.urlsafe_b64encode(hashlib.sha256(copied).digest()).rstrip(b"=").decode()
    assert f"ni:///sha-256;{digest}" in json.dumps(eido)

    transcript = json.loads((folder / "transcript.json").read_bytes())
    assert [(t["channel"], t["direction"], t["text"]) for t in transcript] == [
        ("chat", "to caller", "Are you safe?"),
        ("sms", "from caller", "smoke on 2nd floor"),
        ("chat", "from caller", "Yes, outside now"),
    ]
    assert "Sam Supervisor: Are you safe?" in (folder / "transcript.txt").read_text()
    trail = json.loads((folder / "trail.geojson").read_bytes())
    line = trail["features"][0]
    assert line["geometry"]["type"] == "LineString"
    assert line["geometry"]["coordinates"][:1] == [[-71.06, 42.36]]
    points = [f for f in trail["features"] if f["geometry"]["type"] == "Point"]
    assert [p["properties"]["accuracy_m"] for p in points][-3:] == [5.0, 6.0, 7.0]

    report = verify_package(folder, key.public_key())
    assert report.ok, report.failures
    assert report.checked == len(manifest["files"])

    events = core.store.read_sync(audit.list_events, action="evidence.export")
    assert len(events) == 1 and events[0].outcome == "ok"
    digest = hashlib.sha256((folder / "manifest.json").read_bytes()).hexdigest()
    assert events[0].detail["manifest_sha256"] == digest == exported.manifest_sha256


def test_every_file_flipped_is_named(
    key: signing.Ed25519PrivateKey, exported: ExportResult
) -> None:
    folder = exported.folder
    names = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert len(names) >= 8
    for name in names:
        original = (folder / name).read_bytes()
        _flip(folder / name)
        try:
            failures = verify_package(folder, key.public_key()).failures
        finally:
            (folder / name).write_bytes(original)
        assert failures, name
        if name == "manifest.json":  # what it now says of a file may fail that file as well
            assert failures[0].startswith("manifest.json / manifest.sig: the signature")
        else:
            assert all(name in f for f in failures), failures
    assert verify_package(folder, key.public_key()).ok


def test_removed_and_added_files_are_named(
    key: signing.Ed25519PrivateKey, exported: ExportResult
) -> None:
    folder = exported.folder
    (folder / "media/photo/photo-1.jpg").unlink()
    (folder / "media/photo/extra.jpg").write_bytes(b"planted")
    failures = verify_package(folder, key.public_key()).failures
    assert sorted(failures) == [
        "media/photo/extra.jpg: present but not in the manifest: added",
        "media/photo/photo-1.jpg: missing (listed in the manifest)",
    ]


def test_another_keys_signature_is_refused(
    core: DeskCore, supervisor: Actor, case: Case, tmp_path: Path
) -> None:
    signing.generate(signing.private_key_path(core.settings.evidence, core.paths))
    foreign = signing.generate(tmp_path / "rogue.pem")
    rogue_path = signing.private_key_path(core.settings.evidence, core.paths)
    rogue_path.write_bytes((tmp_path / "rogue.pem").read_bytes())
    result = export_package(core, supervisor, case.incident_id, tmp_path / "out")
    agency = signing.Ed25519PrivateKey.generate().public_key()
    failures = verify_package(result.folder, agency).failures
    assert failures == [
        f"manifest.json: signed by another key ({signing.fingerprint(foreign.public_key())}), "
        f"not the agency's ({signing.fingerprint(agency)})"
    ]


def test_call_taker_export_is_refused_and_audited(
    core: DeskCore, calltaker: Actor, case: Case, key: signing.Ed25519PrivateKey, tmp_path: Path
) -> None:
    with pytest.raises(PermissionDenied):
        export_package(core, calltaker, case.incident_id, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    events = core.store.read_sync(audit.list_events, action="evidence.export")
    assert [(e.username, e.outcome) for e in events] == [(calltaker.username, "denied")]


def test_cancel_leaves_nothing_and_is_audited(
    core: DeskCore, supervisor: Actor, case: Case, key: signing.Ed25519PrivateKey, tmp_path: Path
) -> None:
    cancel = threading.Event()
    seen: list[tuple[int, int, str]] = []

    def progress(done: int, total: int, name: str) -> None:
        seen.append((done, total, name))
        if name.startswith("media/"):
            cancel.set()

    with pytest.raises(ExportCancelled):
        export_package(
            core, supervisor, case.incident_id, tmp_path / "out", progress, cancel=cancel
        )
    assert seen and seen[0][1] == sum(p.stat().st_size for p in case.files.values())
    assert list((tmp_path / "out").iterdir()) == []
    events = core.store.read_sync(audit.list_events, action="evidence.export")
    assert [e.outcome for e in events] == ["cancelled"]


def test_no_signing_key_says_how_to_make_one(
    core: DeskCore, supervisor: Actor, case: Case, tmp_path: Path
) -> None:
    with pytest.raises(signing.SigningKeyError, match="dispatch-desk evidence keygen"):
        export_package(core, supervisor, case.incident_id, tmp_path / "out")


def test_a_file_replaced_by_a_link_is_named(
    key: signing.Ed25519PrivateKey, exported: ExportResult, tmp_path: Path
) -> None:
    folder = exported.folder
    photo = folder / "media/photo/photo-1.jpg"
    outside = tmp_path / "same-bytes.jpg"
    outside.write_bytes(photo.read_bytes())
    photo.unlink()
    photo.symlink_to(outside)
    failures = verify_package(folder, key.public_key()).failures
    assert failures == ["media/photo/photo-1.jpg: a symbolic link, not a file: altered"]
