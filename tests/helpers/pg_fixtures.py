"""Pytest fixtures for a real PostgreSQL: one throwaway cluster for the session (started only by
tests that ask for it) and a fresh central database per test, copied from a migrated template so
that each test starts in milliseconds."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

from dispatch_desk.config.paths import resolve_paths
from dispatch_desk.sync.admin import upgrade_central
from tests.helpers.pg import PgCluster, server_bindir

TEMPLATE = "dd_template"
_names = itertools.count(1)


@pytest.fixture(scope="session")
def pg() -> Iterator[PgCluster]:
    bindir = server_bindir()
    if bindir is None:
        pytest.fail("PostgreSQL server binaries not found; './desk test' installs them")
    cluster = PgCluster(bindir)
    try:
        cluster.start()
        url = cluster.create_database(TEMPLATE)
        upgrade_central(url, resolve_paths().migrations_dir)
        yield cluster
    finally:
        cluster.destroy()


@pytest.fixture
def central(pg: PgCluster) -> str:
    """The URL of a fresh, migrated central database."""
    return pg.create_database(f"central_{next(_names)}", template=TEMPLATE)
