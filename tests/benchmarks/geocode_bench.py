"""Geocoder benchmark on the City of Cambridge's real layers (20,536 address points).

    python -m tests.benchmarks.geocode_bench [--samples 10000] [--seed 1]

Samples are address points drawn at random and typed the ways call-takers type them: as written
("16 Aberdeen Ave"), long forms ("16 Aberdeen Avenue"), lower or upper case, with a unit or the
town and ZIP after them, and now and then (1 in 10) with the street name misspelt (a letter
dropped, doubled, swapped or changed).

geocode_median_ms / geocode_p95_ms: time of one Geocoder.geocode call (limit 5).
hit_rate: share of samples whose best match is within 30 m of the true point.
trusted_rate: share of correctly spelt samples whose best match is that point with score >= 0.9.
misspelt_hit_rate: hit_rate over the misspelt samples alone.
wrong_trusted: best matches scored >= 0.9 that are not within 30 m of the truth (should be 0).
store_open_ms: reading the imported layers back from the store; geocoder_build_ms: indexing them.
The last line of output is one JSON object. ``measure_geocode`` is what tests/benchmarks/map.py
calls.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TARGETS = {"geocode_p95_ms": 5.0, "store_open_ms": 300.0}
HIT_M = 30.0


def _misspell(rng: random.Random, street: str) -> str:
    words = street.split()
    index = max(range(len(words)), key=lambda i: len(words[i]) if words[i].isalpha() else 0)
    word = words[index]
    if len(word) < 5 or not word.isalpha():
        return street
    i = rng.randrange(1, len(word) - 1)
    how = rng.choice(("drop", "double", "swap", "change"))
    if how == "drop":
        word = word[:i] + word[i + 1 :]
    elif how == "double":
        word = word[:i] + word[i] + word[i:]
    elif how == "swap":
        word = word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]
    else:
        word = word[:i] + rng.choice("aeiou".replace(word[i].lower(), "")) + word[i + 1 :]
    words[index] = word
    return " ".join(words)


def typed_samples(
    features: list[dict[str, Any]], samples: int, seed: int
) -> list[tuple[str, float, float, bool]]:
    """(text, true lat, true lon, misspelt) for ``samples`` address points."""
    rng = random.Random(seed)
    chosen = (
        rng.sample(features, samples)
        if samples <= len(features)
        else rng.choices(features, k=samples)
    )
    out = []
    for feature in chosen:
        props = feature["properties"]
        lon, lat = feature["geometry"]["coordinates"]
        house = str(props["housenumber"])
        street = props["street"] if rng.random() < 0.55 else props["street_full"]
        misspelt = rng.random() < 0.1
        if misspelt:
            street = _misspell(rng, street)
        text = f"{house} {street}"
        roll = rng.random()
        if roll < 0.2:
            text = text.lower()
        elif roll < 0.3:
            text = text.upper()
        elif roll < 0.38:
            text += f", Cambridge, MA {props['postcode']}"
        elif roll < 0.44:
            text += f" Apt {rng.randint(1, 12)}"
        out.append(
            (text, lat, lon, misspelt and street not in (props["street"], props["street_full"]))
        )
    return out


def measure_geocode(samples: int = 10_000, seed: int = 1) -> dict[str, Any]:
    from dispatch_desk.geo.geocoder import Geocoder
    from dispatch_desk.geo.geometry import haversine_m
    from dispatch_desk.geo.gis_import import import_files
    from dispatch_desk.geo.store import load_layers
    from tests.helpers.gis_data import CAMBRIDGE_FILES, cambridge_missing, raw_features

    reason = cambridge_missing()
    if reason:
        raise FileNotFoundError(reason)
    with tempfile.TemporaryDirectory(prefix="dd-geocode-") as tmp:
        import_files(list(CAMBRIDGE_FILES), Path(tmp))
        started = time.perf_counter()
        layers = load_layers(Path(tmp))
        store_open_ms = (time.perf_counter() - started) * 1000
    assert layers is not None
    started = time.perf_counter()
    geocoder = Geocoder(layers)
    build_ms = (time.perf_counter() - started) * 1000

    work = typed_samples(raw_features("addresses.geojson"), samples, seed)
    timings: list[float] = []
    hits = trusted = spelt = misspelt = misspelt_hits = wrong_trusted = 0
    for text, lat, lon, wrong in work:
        started = time.perf_counter()
        found = geocoder.geocode(text, 5)
        timings.append((time.perf_counter() - started) * 1000)
        hit = bool(found) and haversine_m(lat, lon, found[0].lat, found[0].lon) <= HIT_M
        hits += hit
        wrong_trusted += bool(found) and not hit and found[0].score >= 0.9
        if wrong:
            misspelt += 1
            misspelt_hits += hit
        else:
            spelt += 1
            trusted += hit and found[0].score >= 0.9
    timings.sort()
    result: dict[str, Any] = {
        "geocode_median_ms": round(statistics.median(timings), 3),
        "geocode_p95_ms": round(timings[int(0.95 * (len(timings) - 1))], 3),
        "geocode_max_ms": round(timings[-1], 3),
        "hit_rate": round(hits / len(work), 4),
        "trusted_rate": round(trusted / max(1, spelt), 4),
        "misspelt_hit_rate": round(misspelt_hits / max(1, misspelt), 4),
        "wrong_trusted": wrong_trusted,
        "samples": len(work),
        "misspelt_samples": misspelt,
        "store_open_ms": round(store_open_ms, 1),
        "geocoder_build_ms": round(build_ms, 1),
        "targets": TARGETS,
    }
    result["pass"] = (
        result["geocode_p95_ms"] <= TARGETS["geocode_p95_ms"]
        and result["store_open_ms"] <= TARGETS["store_open_ms"]
    )
    return result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    result = measure_geocode(args.samples, args.seed)
    print(json.dumps(result))
    return 0 if result["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
