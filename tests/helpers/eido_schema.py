"""Validate a document against NENA's published EIDO schema (../shared/data/eido/openapi.yaml).

The schema is OpenAPI 3.0 component schemas (a JSON Schema draft 4 dialect); ``$ref`` is
resolved with ``referencing`` inside the OpenAPI file. Two things in the published file are
handled here, and only these:
- it refers to NIEM components (``NIEMComponents/nc.yaml``, ``j.yaml``) that NENA's repository
  does not ship: those references are left unconstrained (anything validates there);
- AgentType says ``"minItems": "1,"`` (a string): read as the number it means, 1.
Never copied into the project: the program does not need it to run.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import yaml
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SCHEMA_FILE = Path(__file__).resolve().parents[3] / "shared" / "data" / "eido" / "openapi.yaml"
ROOT = "https://eido.nena.invalid/openapi.yaml"  # a name only: nothing is fetched
INCIDENT = "EmergencyIncidentDataObjectType"


@dataclass(frozen=True)
class SchemaProblem:
    path: str  # where in the document, "$.callComponent[0].direction"
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def _mend(node: Any, external: set[str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key in ("minItems", "maxItems") and isinstance(value, str):
                value = int("".join(ch for ch in value if ch.isdigit()))
            if key == "$ref" and isinstance(value, str) and not value.startswith("#"):
                external.add(value)
            out[key] = _mend(value, external)
        return out
    if isinstance(node, list):
        return [_mend(v, external) for v in node]
    return node


@functools.cache
def _validator() -> Draft4Validator:
    if not SCHEMA_FILE.is_file():
        raise FileNotFoundError(
            f"NENA's EIDO schema is not at {SCHEMA_FILE}: the tests read it from "
            "../shared/data/eido/openapi.yaml beside the repository"
        )
    spec = yaml.safe_load(SCHEMA_FILE.read_text(encoding="utf-8"))
    external: set[str] = set()
    spec = _mend(spec, external)
    registry: Registry = Registry().with_resource(ROOT, Resource(spec, DRAFT4))
    stubs: dict[str, dict[str, Any]] = {}
    for target in external:
        document, _, pointer = target.partition("#")
        name = pointer.rsplit("/", 1)[-1]
        stubs.setdefault(document, {"components": {"schemas": {}}})["components"]["schemas"][
            name
        ] = {}
    for document, contents in stubs.items():
        uri = urljoin(ROOT, document)
        registry = registry.with_resource(uri, Resource(contents, DRAFT4))
    schema = {"$ref": f"{ROOT}#/components/schemas/{INCIDENT}"}
    # date-time formats are checked (rfc3339-validator); uri formats are not (no checker here).
    return Draft4Validator(schema, registry=registry, format_checker=Draft4Validator.FORMAT_CHECKER)


def _where(path: Any) -> str:
    out = "$"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _deepest(error: Any) -> list[Any]:
    # allOf/anyOf hide the real cause in their context; report the leaves.
    if error.context:
        return [leaf for sub in error.context for leaf in _deepest(sub)]
    return [error]


def validate(document: Any) -> list[SchemaProblem]:
    """Every place the document breaks the schema; [] when it is a valid EIDO."""
    problems = {
        (_where(leaf.absolute_path), leaf.message)
        for error in _validator().iter_errors(document)
        for leaf in _deepest(error)
    }
    return [SchemaProblem(p, m) for p, m in sorted(problems)]
