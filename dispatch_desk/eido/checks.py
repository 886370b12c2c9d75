"""Reading an EIDO document from outside, before anything of it is stored.

The desk does not carry NENA's schema file at run time: these checks cover the document's
shape (the EIDO version, each component a list of objects with an ``$id``, references as
``{"$ref": ...}``) and every field the importer reads (types, times, sizes), and name the path
of each problem. Fields the importer does not read are left to the report ("not mapped").
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from dispatch_desk.eido.ids import EIDO_VERSION, PURPOSE_TIMES, parse_stamp

MAX_BYTES = 5_000_000  # a large incident is some hundreds of kilobytes
MAX_DEPTH = 40
MAX_STRING = 100_000
MAX_ITEMS = 20_000  # in any one component list
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")

# The component lists of EmergencyIncidentDataObjectType (incidentComponent is one object).
COMPONENT_LISTS = (
    "mergeComponent",
    "linkComponent",
    "callComponent",
    "callbackComponent",
    "dispatchComponent",
    "notesComponent",
    "emergencyResourceComponent",
    "alarmsSensorsComponent",
    "agencyComponent",
    "agentComponent",
    "additionalDataComponent",
    "locationComponent",
    "personComponent",
    "vehicleComponent",
    "cautionComponent",
    "mediaComponent",
    "sharedCommunicationResourceComponent",
    "externalInformationSourceComponent",
)

# Per component: field -> kind, for the fields the importer reads. "!" marks the fields NENA
# requires that the importer relies on.
FIELDS: dict[str, dict[str, str]] = {
    "incidentComponent": {
        "incidentTypeCommonRegistryText": "str!",
        "incidentTypeInternalCode": "str",
        "incidentTypeInternalText": "str",
        "incidentStatusInternalText": "strs",
        "internalIncidentId": "str",
        "incidentPriorityInternalText": "str",
        "incidentCommonPriorityNumber": "int",
        "locationReference": "refs",
        "personReference": "refs",
        "notesReference": "refs",
        "agentReference": "refs",
        "dispositionComponent": "objs",
    },
    "callComponent": {
        "callStartTimestamp": "time!",
        "answerDate": "time",
        "direction": "str!",
        "standardPrimaryCallType": "str!",
        "standardSecondaryCallType": "str",
        "localCallType": "str",
        "callStateRegistryText": "str!",
        "callBackReference": "ref",
        "locationReference": "refs",
        "personReference": "refs",
        "agentReference": "refs",
        "agencyReference": "refs",
        "additionalDataReference": "refs",
    },
    "callbackComponent": {"callBackInformationUri": "strs", "deviceContactHeader": "str"},
    "locationComponent": {
        "locationTypeDescriptionRegistryText": "str!",
        "locationByValue": "str",
        "locationDescriptionText": "str",
        "localIdentifier": "strs",
    },
    "personComponent": {
        "personIncidentRoleRegistryText": "strs!",
        "ncPersonComponent": "obj",
        "callIdentifier": "strs",
        "callBackReference": "ref",
        "locationReference": "refs",
    },
    "notesComponent": {"notesActionComments": "str!", "agentReference": "ref"},
    "agencyComponent": {
        "agencyJcard": "str",
        "agencyRoleDescriptionRegistryText": "strs!",
        "agencyType": "strs!",
        "incidentOwningAgencyIndicator": "bool",
    },
    "agentComponent": {"agentJcard": "str", "agentRoleRegistryText": "strs!"},
    "emergencyResourceComponent": {
        "emergencyResourceName": "str",
        "emergencyResourceTypeCommonRegistryText": "str!",
        "emergencyResourceTypeInternalText": "str",
        "primaryUnitStatusRegistryText": "str!",
        "unitStatusInternal": "strs",
    },
    "additionalDataComponent": {"urlPurpose": "str", "additionalDataByValue": "str"},
    "dispositionComponent": {
        "dispositionCommonRegistryCode": "str!",
        "dispositionDescriptionText": "str",
    },
}


@dataclass(frozen=True)
class Problem:
    path: str  # in the document: "$.callComponent[1].direction"
    message: str

    def __str__(self) -> str:
        return f"{printable(self.path)}: {printable(self.message, 500)}"


def printable(text: str, limit: int = 200) -> str:
    """Text from a document made safe for a terminal or a log: control characters (escape
    sequences included) shown as \\x.. escapes, and cut at ``limit``."""
    shown = _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode(), text)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


class EidoInvalid(ValueError):
    """The document cannot be imported; ``problems`` says where and what, nothing was stored."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        shown = "; ".join(str(p) for p in problems[:20])
        more = f" (and {len(problems) - 20} more)" if len(problems) > 20 else ""
        super().__init__(f"not a usable EIDO document: {shown}{more}")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def parse(data: bytes) -> Any:
    """Bytes of a file as JSON; EidoInvalid saying why not (size, encoding, syntax, depth)."""
    if len(data) > MAX_BYTES:
        raise EidoInvalid(
            [Problem("$", f"the file is {len(data):,} bytes; the limit is {MAX_BYTES:,}")]
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise EidoInvalid([Problem("$", f"not UTF-8 text (byte {exc.start})")]) from None
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise EidoInvalid([Problem("$", "nested too deeply")]) from None
    except ValueError as exc:
        raise EidoInvalid([Problem("$", f"not JSON: {exc}")]) from None


def _depth(value: Any, limit: int) -> bool:
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return False
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)
    return True


def _text_depth(text: str, limit: int) -> bool:
    """Whether JSON held in a string nests at most ``limit`` levels, by counting brackets (those
    inside the JSON's own strings do not count): found without parsing it, which for a deep
    enough text would exhaust Python's recursion limit."""
    depth = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return False
        elif ch in "]}":
            depth -= 1
    return True


def _check_embedded(name: str, obj: Any, where: str, out: list[Problem]) -> None:
    """The JSON the importer reads out of a string (the incident's times) nests no deeper than
    the document may."""
    if name != "additionalDataComponent" or not isinstance(obj, dict):
        return
    value = obj.get("additionalDataByValue")
    if (
        obj.get("urlPurpose") == PURPOSE_TIMES
        and isinstance(value, str)
        and len(value) <= MAX_STRING  # a longer one is refused as too long already
        and not _text_depth(value, MAX_DEPTH)
    ):
        out.append(
            Problem(f"{where}.additionalDataByValue", f"nested more than {MAX_DEPTH} levels deep")
        )


def _is_ref(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("$ref"), str)


def _check_value(kind: str, value: Any, where: str, out: list[Problem]) -> None:
    kind = kind.rstrip("!")
    if kind in ("str", "time"):
        if not isinstance(value, str):
            out.append(Problem(where, f"must be a string, not {type(value).__name__}"))
        elif len(value) > MAX_STRING:
            out.append(Problem(where, f"{len(value):,} characters; the limit is {MAX_STRING:,}"))
        elif kind == "time":
            try:
                parse_stamp(value)
            except ValueError as exc:
                out.append(Problem(where, str(exc)))
    elif kind == "int":
        if not isinstance(value, int) or isinstance(value, bool):
            out.append(Problem(where, f"must be an integer, not {value!r}"[:200]))
    elif kind == "bool":
        if not isinstance(value, bool):
            out.append(Problem(where, "must be true or false"))
    elif kind == "obj":
        if not isinstance(value, dict):
            out.append(Problem(where, "must be an object"))
    elif kind == "ref":
        if not _is_ref(value):
            out.append(Problem(where, 'must be a reference {"$ref": "..."}'))
    elif kind in ("strs", "refs", "objs"):
        if not isinstance(value, list):
            out.append(Problem(where, "must be a list"))
            return
        item = {"strs": "str", "refs": "ref", "objs": "obj"}[kind]
        for n, element in enumerate(value[:MAX_ITEMS]):
            _check_value(item, element, f"{where}[{n}]", out)


def _check_object(name: str, obj: Any, where: str, out: list[Problem]) -> None:
    if not isinstance(obj, dict):
        out.append(Problem(where, "must be an object"))
        return
    if not isinstance(obj.get("$id"), str) or not obj["$id"].strip():
        out.append(Problem(f"{where}.$id", "is missing (every component needs an $id)"))
    stamp_value = obj.get("lastUpdateTimeStamp")
    if stamp_value is None:
        out.append(Problem(f"{where}.lastUpdateTimeStamp", "is missing"))
    else:
        _check_value("time", stamp_value, f"{where}.lastUpdateTimeStamp", out)
    for field, kind in FIELDS.get(name, {}).items():
        if field not in obj:
            if kind.endswith("!"):
                out.append(Problem(f"{where}.{field}", "is missing"))
            continue
        _check_value(kind, obj[field], f"{where}.{field}", out)
    _check_embedded(name, obj, where, out)
    if name == "incidentComponent" and isinstance(obj.get("dispositionComponent"), list):
        for n, item in enumerate(obj["dispositionComponent"]):
            _check_object("dispositionComponent", item, f"{where}.dispositionComponent[{n}]", out)


def check_document(doc: Any) -> list[Problem]:
    """Every problem that keeps the document from being imported; [] if it can be."""
    if not isinstance(doc, dict):
        return [Problem("$", "an EIDO document is a JSON object")]
    if not _depth(doc, MAX_DEPTH):
        return [Problem("$", f"nested more than {MAX_DEPTH} levels deep")]
    out: list[Problem] = []
    if doc.get("eidoVersion") != EIDO_VERSION:
        out.append(
            Problem("$.eidoVersion", f"must be {EIDO_VERSION!r}, not {doc.get('eidoVersion')!r}")
        )
    if not isinstance(doc.get("issuingElementIdentification"), str):
        out.append(Problem("$.issuingElementIdentification", "is missing"))
    if "incidentComponent" not in doc:
        out.append(Problem("$.incidentComponent", "is missing: there is no incident to import"))
    else:
        _check_object("incidentComponent", doc["incidentComponent"], "$.incidentComponent", out)
    if not doc.get("agencyComponent"):
        out.append(Problem("$.agencyComponent", "is missing (NENA requires the agencies)"))
    seen: dict[str, str] = {}  # $id -> where it was first
    for name in COMPONENT_LISTS:
        if name not in doc:
            continue
        items = doc[name]
        if not isinstance(items, list):
            out.append(Problem(f"$.{name}", "must be a list"))
            continue
        if len(items) > MAX_ITEMS:
            out.append(Problem(f"$.{name}", f"{len(items):,} entries; the limit is {MAX_ITEMS:,}"))
            continue
        for n, item in enumerate(items):
            where = f"$.{name}[{n}]"
            _check_object(name, item, where, out)
            key = item.get("$id") if isinstance(item, dict) else None
            if isinstance(key, str):
                if key in seen:
                    out.append(Problem(f"{where}.$id", f"the same $id as {seen[key]}"))
                seen.setdefault(key, where)
    return out


def clean_text(text: str, limit: int) -> tuple[str, bool]:
    """A string from outside made safe to store and show: control and bidirectional-override
    characters dropped (newlines and tabs kept), cut at ``limit``; and whether it changed."""
    cleaned = _CONTROL.sub("", text)[:limit]
    return cleaned, cleaned != text
