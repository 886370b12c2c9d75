"""The review search: each filter finds what it should and nothing else, newest first, paged;
a filter that cannot work says why."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dispatch_desk.desk import DeskCore
from dispatch_desk.review.search import BadFilter, ReviewFilter, search_sync
from dispatch_desk.services.context import Actor
from tests.helpers.core import START, FakeClock, actor_for, create_incident


@pytest.fixture
def made(core: DeskCore, clock: FakeClock, calltaker: Actor, dispatcher: Actor) -> dict:
    """Five incidents of our own, a minute apart, after everything the demo seeded."""
    clock.advance(days=1)
    made = {}
    specs = [
        ("a", calltaker, "MEDFALL", "(617) 555-0101", "(617) 555-0101"),
        ("b", dispatcher, "ABDOM", "(617) 555-0199", "(617) 555-0199"),
        ("c", calltaker, "ALLERGIC", "(508) 555-7777", "(617) 555-0101"),
        ("d", dispatcher, "MEDFALL", "(781) 555-4321", "(781) 555-4321"),
        ("e", calltaker, "ABDOM", "(978) 555-1234", "(978) 555-1234"),
    ]
    for name, actor, kind, callback, ani in specs:
        clock.advance(minutes=1)
        made[name] = create_incident(
            core,
            actor,
            incident_type=kind,
            callback_number=callback,
            ani=ani,
            address=f"{len(made) + 10} Main Street",
        )
    core.store.write_sync(core.incidents.close, dispatcher, made["d"].id, "Report taken", clock())
    core.store.write_sync(core.incidents.close, dispatcher, made["b"].id, "Arrest made", clock())
    return made


def _search(core: DeskCore, f: ReviewFilter):  # type: ignore[no-untyped-def]
    return search_sync(core.store, actor_for(core, "supervisor"), core.clock(), f)


def _numbers(core: DeskCore, **filters: object) -> list[str]:
    since = START + timedelta(hours=12)
    page = _search(core, ReviewFilter(since=since, **filters))  # type: ignore[arg-type]
    return [r.number for r in page.rows]


def _of(made: dict, *names: str) -> list[str]:
    return [made[n].number for n in names]


def test_everything_in_the_range_newest_first(core: DeskCore, made: dict) -> None:
    assert _numbers(core) == _of(made, "e", "d", "c", "b", "a")


def test_date_range_is_start_inclusive_end_exclusive(core: DeskCore, made: dict) -> None:
    since, until = made["b"].created_at, made["d"].created_at
    page = _search(core, ReviewFilter(since=since, until=until))
    assert [r.number for r in page.rows] == _of(made, "c", "b")


def test_by_dispatcher_who_created_it(core: DeskCore, made: dict) -> None:
    assert _numbers(core, dispatcher="dispatcher") == _of(made, "d", "b")
    assert _numbers(core, dispatcher="CallTaker") == _of(made, "e", "c", "a")
    assert _numbers(core, dispatcher="nobody-of-that-name") == []


def test_by_incident_type(core: DeskCore, made: dict) -> None:
    assert _numbers(core, type_code="MEDFALL") == _of(made, "d", "a")
    assert _numbers(core, type_code="abdom") == _of(made, "e", "b")


def test_by_caller_number_any_part_of_ani_or_callback(core: DeskCore, made: dict) -> None:
    # "c" called back from 508 but its ANI was the 617 number: found by either.
    assert _numbers(core, caller_number="555-0101") == _of(made, "c", "a")
    assert _numbers(core, caller_number="7777") == _of(made, "c")
    assert _numbers(core, caller_number="(978)") == _of(made, "e")


def test_by_disposition(core: DeskCore, made: dict) -> None:
    assert _numbers(core, disposition="Report taken") == _of(made, "d")
    assert _numbers(core, disposition="Arrest made") == _of(made, "b")


def test_filters_combine(core: DeskCore, made: dict) -> None:
    assert _numbers(core, dispatcher="calltaker", type_code="ABDOM") == _of(made, "e")
    assert _numbers(core, dispatcher="dispatcher", caller_number="0101") == []


def test_rows_say_who_and_which_number(core: DeskCore, made: dict, calltaker: Actor) -> None:
    page = _search(core, ReviewFilter(since=made["c"].created_at, page_size=1))
    row = page.rows[-1]
    assert row.number == made["e"].number and page.has_more
    assert row.dispatcher == calltaker.display_name != ""
    assert row.caller_number == "+19785551234"
    assert (row.sessions, row.recordings) == (0, 0)


def test_pages_walk_the_whole_result_once(core: DeskCore, made: dict) -> None:
    since = START + timedelta(hours=12)
    seen: list[str] = []
    for number in range(3):
        page = _search(core, ReviewFilter(since=since, page=number, page_size=2))
        seen += [r.number for r in page.rows]
        assert page.has_more == (number < 2)
    assert seen == _of(made, "e", "d", "c", "b", "a")


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"caller_number": "55"}, "at least three digits"),
        ({"since": START, "until": START}, "must be after its start"),
        ({"page_size": 0}, "Pages are"),
    ],
)
def test_a_filter_that_cannot_work_says_why(core: DeskCore, filters: dict, message: str) -> None:
    with pytest.raises(BadFilter, match=message):
        _search(core, ReviewFilter(**filters))


def test_a_search_is_audited_with_its_filters(
    core: DeskCore, made: dict, clock: FakeClock, supervisor: Actor
) -> None:
    from dispatch_desk.services import audit

    since = START + timedelta(hours=12)
    f = ReviewFilter(since=since, caller_number="555-0101", type_code="medfall")
    page = search_sync(core.store, supervisor, clock(), f)
    assert [r.number for r in page.rows] == _of(made, "a")
    logged = core.store.read_sync(audit.list_events, action="review.search")
    assert [(e.username, e.outcome) for e in logged] == [("supervisor", "ok")]
    detail = logged[0].detail
    assert detail["caller_number"] == "555-0101" and detail["type_code"] == "medfall"
    assert detail["since"] == since.isoformat() and detail["rows"] == 1


@pytest.mark.parametrize("who", ["calltaker", "dispatcher"])
def test_search_refused_to_a_call_taker_and_audited(
    core: DeskCore, made: dict, clock: FakeClock, who: str, request: pytest.FixtureRequest
) -> None:
    from dispatch_desk.services import audit
    from dispatch_desk.services.context import PermissionDenied

    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        search_sync(core.store, actor, clock(), ReviewFilter(caller_number="555"))
    logged = core.store.read_sync(audit.list_events, action="review.search")
    assert [(e.username, e.outcome) for e in logged] == [(who, "denied")]
    assert logged[0].detail["caller_number"] == "555"


def test_the_timeline_has_no_unchecked_way_in() -> None:
    """Only the audited, role-checked build reads a timeline: no public collect()."""
    from dispatch_desk.review import timeline

    assert not hasattr(timeline, "collect")
    assert "actor" in timeline.build.__code__.co_varnames
