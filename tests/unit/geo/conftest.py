"""Fixtures for the geography tests: the real Cambridge layers, read once per session."""

from __future__ import annotations

import pytest

from dispatch_desk.geo.geocoder import Geocoder
from dispatch_desk.geo.gis_import import read_layer_file
from dispatch_desk.geo.layers import GisLayers
from tests.helpers.gis_data import CAMBRIDGE_FILES, cambridge_missing


@pytest.fixture(scope="session")
def cambridge_layers() -> GisLayers:
    reason = cambridge_missing()
    if reason:
        pytest.skip(reason)
    layers = GisLayers.empty("Cambridge")
    for path in CAMBRIDGE_FILES:
        read = read_layer_file(path)
        getattr(layers, read.kind).extend(getattr(read.layers, read.kind))
        layers.localities.extend(sorted(read.localities))
    return layers


@pytest.fixture(scope="session")
def cambridge(cambridge_layers: GisLayers) -> Geocoder:
    return Geocoder(cambridge_layers)
