"""``dispatch-desk gis import FILE...`` and ``dispatch-desk gis geocode "TEXT"``."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from dispatch_desk.config.paths import Paths
from dispatch_desk.config.settings import Settings
from dispatch_desk.geo.geocoder import GeocodeMatch
from dispatch_desk.geo.gis_import import import_files
from dispatch_desk.geo.layers import LAYER_KINDS, GisError


def format_match(match: GeocodeMatch) -> str:
    line = f"{match.score:.2f}  {match.kind:<12}  {match.label}  {match.lat:.6f},{match.lon:.6f}"
    return f"{line}  ({match.note})" if match.note else line


def run_import(
    settings: Settings,
    paths: Paths,
    files: Sequence[Path],
    layer: str | None = None,
    replace: bool = False,
) -> int:
    try:
        result = import_files(
            files,
            paths.gis_dir,
            layer=layer,
            replace=replace,
            max_bytes=settings.gis.max_file_mb * 2**20,
        )
    except GisError as exc:
        print(f"dispatch-desk: gis import: {exc}", file=sys.stderr)
        print("dispatch-desk: gis import: nothing was changed", file=sys.stderr)
        _audit(settings, paths, files, layer, replace, "refused", reason=str(exc))
        return 1
    except OSError as exc:
        print(f"dispatch-desk: gis import: cannot store the layers: {exc}", file=sys.stderr)
        _audit(settings, paths, files, layer, replace, "failed", reason=str(exc))
        return 1
    counts = {}
    for kind in LAYER_KINDS:
        count = len(getattr(result.layers, kind))
        if kind in result.imported:
            counts[kind] = count
            print(f"{kind:<11} {count:>7}  imported from {', '.join(result.files[kind])}")
        elif count:
            print(f"{kind:<11} {count:>7}  kept from an earlier import")
    _audit(settings, paths, files, layer, replace, "ok", imported=counts)
    return 0


def _audit(
    settings: Settings,
    paths: Paths,
    files: Sequence[Path],
    layer: str | None,
    replace: bool,
    outcome: str,
    **detail: object,
) -> None:
    from dispatch_desk.audit.admin_log import record_command

    record_command(
        settings,
        paths,
        "gis.import",
        outcome=outcome,
        entity_type="map",
        files=[str(f) for f in files],
        layer=layer or "",
        replace=replace,
        **detail,
    )


def run_geocode(
    settings: Settings,
    paths: Paths,
    text: str,
    limit: int = 5,
    reverse: str | None = None,
) -> int:
    from dispatch_desk.geo.service import GeoService

    if not text.strip() and not reverse:
        print("dispatch-desk: gis geocode: give an address, or --reverse LAT,LON", file=sys.stderr)
        return 2
    service = GeoService.open(settings, paths)
    if service.problem:
        print(f"dispatch-desk: {service.problem}", file=sys.stderr)
    print(f"map: {service.layers.source}")
    found_any = False
    if reverse:
        try:
            lat_text, lon_text = reverse.split(",")
            lat, lon = float(lat_text), float(lon_text)
        except ValueError:
            print(f"dispatch-desk: --reverse {reverse!r}: expected LAT,LON", file=sys.stderr)
            return 2
        match = service.reverse(lat, lon)
        if match is None:
            print(f"no address within 200 m of {lat:.6f},{lon:.6f}")
        else:
            found_any = True
            print(format_match(match))
    if text.strip():
        matches = service.geocode(text, limit)
        if not matches:
            print(f"no match for {text!r}")
        for match in matches:
            found_any = True
            print(format_match(match))
    return 0 if found_any else 1
