"""Where the real GIS test data lives (the City of Cambridge, MA; see its README), read in place:
it is never copied into the project. ``DISPATCH_DESK_GIS_DATA`` points elsewhere if needed."""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
GIS_DATA = Path(os.environ.get("DISPATCH_DESK_GIS_DATA", REPO.parent / "shared" / "data" / "gis"))
CAMBRIDGE = GIS_DATA / "cambridge"
CAMBRIDGE_FILES = tuple(
    CAMBRIDGE / name for name in ("streets.geojson", "addresses.geojson", "pois.geojson")
)


def cambridge_missing() -> str:
    """Why the Cambridge tests cannot run here, or "" when they can."""
    missing = [p.name for p in CAMBRIDGE_FILES if not p.is_file()]
    if missing:
        return f"Cambridge GIS data not found in {CAMBRIDGE} ({', '.join(missing)} missing)"
    return ""


@cache
def raw_features(name: str) -> list[dict[str, Any]]:
    """The features of one Cambridge file, straight from the JSON (not through our reader)."""
    with (CAMBRIDGE / name).open(encoding="utf-8") as handle:
        return list(json.load(handle)["features"])
