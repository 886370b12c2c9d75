"""The status-text line under the incident header, for each reason texts do or do not go."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime

from dispatch_desk.messaging.status_texts import IncidentTexting, SentText
from ui.texting.incident import describe_texting

AT = datetime(2026, 3, 14, 15, 0, tzinfo=UTC)
ON = IncidentTexting(
    incident_id=uuid.uuid4(),
    phone_e164="+16175550101",
    mobile=True,
    language="es",
    suppressed=False,
    suppressed_by="",
    suppressed_reason="",
    sensitive=False,
    in_progress=False,
    texts=(
        SentText("confirm", uuid.uuid4(), AT, "delivered"),
        SentText("dispatched", uuid.uuid4(), AT, "sent"),
    ),
)


def test_texts_going_with_what_was_sent() -> None:
    assert describe_texting(ON) == (
        "Status texts to (617) 555-0101 (mobile, ES). Sent: confirmation ✓✓, dispatched ✓.",
        "on",
    )


def test_a_failed_status_text_shows_red() -> None:
    failed = replace(ON, texts=(SentText("confirm", uuid.uuid4(), AT, "failed"),))
    text, state = describe_texting(failed)
    assert "confirmation ✗" in text and state == "failed"


def test_each_reason_for_no_texts() -> None:
    assert describe_texting(None) == ("Status texts: none for this incident.", "")
    assert describe_texting(replace(ON, texts=(), sensitive=True)) == (
        "No status texts: sensitive call type.",
        "off",
    )
    assert describe_texting(replace(ON, texts=(), mobile=False)) == (
        "No status texts: (617) 555-0101 is not a mobile phone.",
        "off",
    )
    assert describe_texting(replace(ON, texts=(), phone_e164=None)) == (
        "No status texts: no callback number.",
        "off",
    )
    assert describe_texting(replace(ON, texts=(), in_progress=True)) == (
        "No status texts while in progress.",
        "off",
    )
    assert describe_texting(
        replace(ON, texts=(), blocked="Status texts are turned off for this centre.")
    ) == ("No status texts — Status texts are turned off for this centre.", "off")
    assert describe_texting(replace(ON, texts=(), blocked="The number replied STOP.")) == (
        "No status texts — The number replied STOP.",
        "off",
    )
    suppressed = replace(
        ON, suppressed=True, suppressed_by="Dana Reyes", suppressed_reason="DV history"
    )
    text, state = describe_texting(suppressed)
    assert text.startswith("Status texts suppressed by Dana Reyes: DV history.")
    assert "Sent: confirmation" in text and state == "off"
