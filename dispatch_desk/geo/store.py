"""The imported layers on disk: one compact JSON file in the workstation's data folder,
replaced atomically (written beside, flushed, renamed over), so a reader sees the old layers or
the new ones and never half of either.

Compact means rows as arrays and coordinates flattened and rounded to 1e-7 degrees (1 cm): a
city of 20,000 addresses loads in well under 300 ms, and from any thread.
"""

from __future__ import annotations

import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from dispatch_desk.geo.layers import AddressPoint, Boundary, GisError, GisLayers, Place, Street

STORE_NAME = "layers.json"
FORMAT = "dispatch-desk-gis"
VERSION = 1


def store_file(folder: Path) -> Path:
    return folder / STORE_NAME


def _flat(coords: tuple[tuple[float, float], ...]) -> list[float]:
    return [round(v, 7) for xy in coords for v in xy]


def _pairs(flat: list[float]) -> tuple[tuple[float, float], ...]:
    return tuple(zip(flat[0::2], flat[1::2], strict=True))


def _street_row(s: Street) -> list[object]:
    ranges = [s.left_from, s.left_to, s.right_from, s.right_to]
    return [s.id, s.name, s.label, _flat(s.coords), *ranges, int(s.major), s.postcode, s.aliases]


def _address_row(a: AddressPoint) -> list[object]:
    position = [round(a.lat, 7), round(a.lon, 7)]
    return [a.number, a.suffix, a.street, a.label, *position, a.unit, a.postcode]


def save_layers(folder: Path, layers: GisLayers, files: dict[str, list[str]]) -> Path:
    """Write the layers (and which files each came from) in one atomic step."""
    document = {
        "format": FORMAT,
        "version": VERSION,
        "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": layers.source,
        "files": files,
        "localities": layers.localities,
        "streets": [_street_row(s) for s in layers.streets],
        "addresses": [_address_row(a) for a in layers.addresses],
        "places": [
            [p.name, p.kind, p.address, round(p.lat, 7), round(p.lon, 7), p.station]
            for p in layers.places
        ],
        "boundaries": [[b.name, b.kind, [_flat(r) for r in b.rings]] for b in layers.boundaries],
    }
    folder.mkdir(parents=True, exist_ok=True)
    target = store_file(folder)
    handle, temp_name = tempfile.mkstemp(prefix=".layers-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(document, out, separators=(",", ":"), ensure_ascii=False)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp_name, target)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    if hasattr(os, "O_DIRECTORY"):  # make the rename itself durable (POSIX)
        dir_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    return target


def read_document(folder: Path) -> dict[str, Any] | None:
    path = store_file(folder)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise GisError(str(path), "", f"cannot be read: {exc.strerror}") from None
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise GisError(
            str(path), "", f"is damaged ({exc.msg}); import the layers again with --replace"
        ) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise GisError(str(path), "", "is not a Dispatch Desk GIS store")
    if document.get("version") != VERSION:
        raise GisError(
            str(path),
            "",
            f"was written by another version (format {document.get('version')}); "
            "import the layers again with --replace",
        )
    return document


def load_layers(folder: Path) -> GisLayers | None:
    """The stored layers, None when nothing was imported; GisError if the store is damaged."""
    document = read_document(folder)
    return None if document is None else layers_from(document, folder)


def layers_from(document: dict[str, Any], folder: Path) -> GisLayers:
    try:
        return GisLayers(
            streets=[
                Street(i, n, lb, _pairs(c), lf, lt, rf, rt, bool(mj), pc, al)
                for i, n, lb, c, lf, lt, rf, rt, mj, pc, al in document["streets"]
            ],
            addresses=[AddressPoint(*row) for row in document["addresses"]],
            places=[Place(*row) for row in document["places"]],
            boundaries=[
                Boundary(n, k, tuple(_pairs(r) for r in rings))
                for n, k, rings in document["boundaries"]
            ],
            source=str(document.get("source", "")),
            localities=list(document.get("localities", [])),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise GisError(
            str(store_file(folder)),
            "",
            f"is damaged ({type(exc).__name__}: {exc}); import the layers again with --replace",
        ) from None
