"""The merge rules as a pure function: any order of the same changes gives the same rows."""

from __future__ import annotations

import itertools
import uuid

from dispatch_desk.sync.hlc import GENESIS, HybridClock, format_stamp, node_of
from dispatch_desk.sync.merge import Entry, Existing, plan

ROW = uuid.uuid4()


def stamp(ms: int, node: str) -> str:
    return format_stamp(ms, 0, node)


def incident(hlc: str, base: str = "", **fields: object) -> Entry:
    return Entry(
        "incident", ROW, hlc, frozenset(fields), dict(fields), bases=dict.fromkeys(fields, base)
    )


def final(entries: list[Entry]) -> dict[str, object]:
    """Fold entries onto a row that exists with every field at stamp 1000 (status pending)."""
    held = {("incident", ROW): Existing({"*": stamp(1000, "x")}, "pending")}
    result = plan(entries, held)
    values: dict[str, object] = {}
    for name, row_id, update in result.updates:
        assert (name, row_id) == ("incident", ROW)
        values.update(update)
    return values


def test_every_order_ends_the_same() -> None:
    base = stamp(1000, "x")
    entries = [
        incident(stamp(2000, "ws-a"), base, priority=1, address="40 Oak"),
        incident(stamp(3000, "ws-b"), base, priority=4, type_code="MEDCARD"),
        incident(stamp(2500, "ws-c"), base, status="closed", disposition="Gone"),
        incident(stamp(4000, "ws-d"), base, status="active"),
    ]
    outcomes = {tuple(sorted(final(list(p)).items())) for p in itertools.permutations(entries)}
    assert len(outcomes) == 1
    (outcome,) = outcomes
    assert dict(outcome) == {
        "priority": 4,
        "address": "40 Oak",
        "type_code": "MEDCARD",
        "status": "closed",  # a later "active" cannot reopen it
        "disposition": "Gone",
    }


def test_replaying_a_change_changes_nothing() -> None:
    entry = incident(stamp(2000, "ws-a"), stamp(1000, "x"), priority=1)
    first = plan([entry], {("incident", ROW): Existing({"*": stamp(1000, "x")}, "pending")})
    again = plan([entry], {("incident", ROW): Existing(first.clocks[("incident", ROW)], "pending")})
    assert again.updates == [] and again.conflicts == []


def test_new_row_is_inserted_once_and_append_only_rows_merge() -> None:
    note = uuid.uuid4()
    row = {"id": note, "text": "caller hung up"}
    entry = Entry("narrative_entry", note, stamp(2000, "ws-a"), frozenset(row), row)
    result = plan([entry, entry], {})
    assert result.inserts == {"narrative_entry": [row]}
    assert plan([entry], {("narrative_entry", note): Existing({"*": entry.hlc})}).updates == []


def test_concurrent_edit_is_reported_and_a_plain_update_is_not() -> None:
    seen = stamp(1000, "x")
    held = {("incident", ROW): Existing({"*": seen, "priority": stamp(2000, "ws-a")}, "pending")}
    # ws-b edited the priority without having seen ws-a's change (its base is older): conflict.
    (conflict,) = plan([incident(stamp(3000, "ws-b"), seen, priority=4)], held).conflicts
    assert (conflict.rule, conflict.fields) == ("last-writer-wins", ("priority",))
    assert node_of(conflict.kept_hlc) == "ws-b" and node_of(conflict.set_aside_hlc) == "ws-a"
    # ws-b had seen ws-a's change: an ordinary update.
    assert (
        plan([incident(stamp(3000, "ws-b"), stamp(2000, "ws-a"), priority=4)], held).conflicts == []
    )


def test_genesis_rows_never_override_real_changes() -> None:
    held = {("incident", ROW): Existing({"*": stamp(1000, "x")}, "pending")}
    assert plan([incident(GENESIS, priority=5)], held).updates == []


def test_clock_moves_past_what_it_observes_and_orders_as_strings() -> None:
    wall = [1000]
    clock = HybridClock("ws-a", wall_ms=lambda: wall[0])
    first = clock.now()
    clock.observe(stamp(5000, "ws-b"))  # another workstation's clock is ahead
    after = clock.now()
    assert first < stamp(5000, "ws-b") < after
    assert node_of(after) == "ws-a"
    stamps = [clock.now() for _ in range(20000)]  # more than the counter holds in one ms
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    assert first > GENESIS
