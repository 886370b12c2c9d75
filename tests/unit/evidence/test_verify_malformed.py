"""`verify` on a manifest that is well-formed JSON but the wrong shape (or hostile) names each
problem as a failure instead of crashing: whatever a package holds, the clerk gets a verdict."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from dispatch_desk.evidence import signing
from dispatch_desk.evidence.package import _canonical
from dispatch_desk.evidence.verify import verify_package


@pytest.fixture
def key() -> signing.Ed25519PrivateKey:
    return signing.Ed25519PrivateKey.generate()


def _package(folder: Path, key: signing.Ed25519PrivateKey, data: bytes, *, sign: bool) -> Path:
    folder.mkdir()
    (folder / "manifest.json").write_bytes(data)
    signature = key.sign(data if sign else b"something else")
    (folder / "manifest.sig").write_text(base64.b64encode(signature).decode() + "\n")
    return folder


CASES: dict[str, tuple[Any, str]] = {
    "incident a list": ({"files": [], "incident": []}, 'manifest.json: "incident" is not'),
    "incident a string": ({"files": [], "incident": "26-1"}, 'manifest.json: "incident" is not'),
    "signer a string": ({"files": [], "signer": "x"}, 'manifest.json: "signer" is not'),
    "a 300-character path": (
        {"files": [{"path": "a" * 300, "size": 1, "sha256": "0"}]},
        "cannot be checked here",
    ),
    "a path with a NUL": (
        {"files": [{"path": "a\x00b", "size": 1, "sha256": "0"}]},
        "not a safe path",
    ),
}


@pytest.mark.parametrize("sign", [True, False], ids=["signed", "signature wrong"])
@pytest.mark.parametrize("name", list(CASES))
def test_a_malformed_manifest_is_named_not_a_crash(
    tmp_path: Path, key: signing.Ed25519PrivateKey, name: str, sign: bool
) -> None:
    manifest, expected = CASES[name]
    folder = _package(tmp_path / "pkg", key, _canonical(manifest), sign=sign)
    report = verify_package(folder, key.public_key())
    assert not report.ok
    assert any(expected in failure for failure in report.failures), report.failures
    if not sign:
        assert any("signature does not match" in f for f in report.failures), report.failures


def test_a_deeply_nested_manifest_is_named(tmp_path: Path, key: signing.Ed25519PrivateKey) -> None:
    data = b'{"files": [], "incident": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    folder = _package(tmp_path / "pkg", key, data, sign=True)
    report = verify_package(folder, key.public_key())
    assert any("nested too deeply" in f for f in report.failures), report.failures


def test_the_incident_number_is_still_read_when_it_is_an_object(
    tmp_path: Path, key: signing.Ed25519PrivateKey
) -> None:
    data = _canonical({"files": [], "incident": {"number": "26-000001"}})
    report = verify_package(_package(tmp_path / "pkg", key, data, sign=True), key.public_key())
    assert report.ok and report.incident == "26-000001"
    assert json.loads(data)["incident"]["number"] == "26-000001"
