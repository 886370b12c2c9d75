"""``dispatch-desk gis import``: an agency's GeoJSON files into the workstation's layers.

Each file is one layer, found from its geometry and fields (or named with ``layer=``). Every
file is read and checked before anything is stored; then the layers in these files replace the
same layers already imported (``replace=True``: all of them) in one atomic write. A bad file
changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dispatch_desk.geo import fields
from dispatch_desk.geo.geojson import Feature, read_features
from dispatch_desk.geo.layers import LAYER_KINDS, GisError, GisLayers
from dispatch_desk.geo.store import layers_from, read_document, save_layers

logger = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 256 * 2**20
MAX_LOCALITIES = 200


@dataclass
class LayerFile:
    path: Path
    kind: str
    layers: GisLayers
    localities: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class ImportResult:
    layers: GisLayers  # everything now stored, old and new
    imported: dict[str, int]  # per layer in these files: how many features
    files: dict[str, list[str]]  # per stored layer: the files it came from


def detect_layer(file: str, features: Sequence[Feature]) -> str:
    if not features:
        raise GisError(file, "", "has no features")
    first = features[0]
    kind = first.geometry_type
    if kind in ("LineString", "MultiLineString"):
        return "streets"
    if kind in ("Polygon", "MultiPolygon"):
        return "boundaries"
    if kind in ("Point", "MultiPoint"):
        if fields.has_any(first.properties, fields.NUMBER):
            return "addresses"
        if fields.has_any(first.properties, fields.PLACE_NAME):
            return "places"
        raise GisError(
            file,
            first.describe(),
            "is a point with neither a house number field (number, Add_Number, housenumber...) "
            "nor a name field; name the layer with --layer",
        )
    raise GisError(file, first.describe(), f"is a {kind}, which no layer takes")


def read_layer_file(
    path: Path, layer: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> LayerFile:
    """One file read, checked and turned into its layer; GisError on the first problem."""
    file = str(path)
    features = read_features(path, max_bytes)
    if layer is not None and layer not in LAYER_KINDS:
        raise GisError(file, "", f"unknown layer {layer!r} (known: {', '.join(LAYER_KINDS)})")
    kind = layer or detect_layer(file, features)
    if not features:
        raise GisError(file, "", "has no features")
    layers = GisLayers.empty(file)
    localities: set[str] = set()
    for feature in features:
        if kind == "streets":
            layers.streets.extend(fields.to_streets(file, feature))
        elif kind == "addresses":
            point, locality = fields.to_address(file, feature)
            layers.addresses.append(point)
            if locality and len(localities) < MAX_LOCALITIES:
                localities.add(locality)
        elif kind == "places":
            layers.places.append(fields.to_place(file, feature))
        else:
            layers.boundaries.append(fields.to_boundary(file, feature))
    return LayerFile(path, kind, layers, localities)


def import_files(
    paths: Sequence[Path],
    folder: Path,
    *,
    layer: str | None = None,
    replace: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ImportResult:
    """Read every file, then store the result; nothing is stored unless all files are good."""
    if not paths:
        raise GisError("(no files)", "", "give at least one GeoJSON file")
    read = [read_layer_file(Path(p), layer, max_bytes) for p in paths]
    document = None if replace else read_document(folder)
    merged = GisLayers.empty() if document is None else layers_from(document, folder)
    files: dict[str, list[str]] = {} if document is None else dict(document.get("files", {}))
    new_kinds = {item.kind for item in read}
    for kind in new_kinds:
        setattr(merged, kind, [])
        files[kind] = []
    localities: set[str] = set()
    for item in read:
        getattr(merged, item.kind).extend(getattr(item.layers, item.kind))
        files[item.kind].append(str(item.path.resolve()))
        localities |= item.localities
    if "addresses" in new_kinds:
        merged.localities = sorted(localities)
    for kind in LAYER_KINDS:
        if replace and kind not in new_kinds:
            setattr(merged, kind, [])
            files.pop(kind, None)
    names = sorted({Path(f).name for kind_files in files.values() for f in kind_files})
    merged.source = "imported: " + ", ".join(names)
    save_layers(folder, merged, files)
    imported = {kind: sum(len(getattr(i.layers, kind)) for i in read) for kind in new_kinds}
    logger.info("GIS import: %s", ", ".join(f"{k} {n}" for k, n in sorted(imported.items())))
    return ImportResult(merged, imported, files)
