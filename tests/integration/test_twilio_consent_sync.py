"""Texting across two workstations on the real central PostgreSQL: a STOP heard by one desk
holds on the other, an incoming text is one row everywhere, and an outgoing text is sent only
by the desk that queued it."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import select

from dispatch_desk.desk import DeskCore
from dispatch_desk.domain.texting import Purpose, SmsStatus
from dispatch_desk.messaging import inbound, outbox
from dispatch_desk.storage.models import SmsMessage, stable_id
from tests.helpers.core import make_core
from tests.helpers.pg import wait_until

PHONE = "+16175550101"
FAST = {
    "central__poll_s": 30,
    "central__connect_timeout_s": 1,
    "central__op_timeout_s": 3,
    "central__retry_max_s": 0.5,
}


def _desk(tmp_path: Path, central: str, name: str) -> DeskCore:
    core = make_core(tmp_path / name, workstation__id=name, central__url=central, **FAST)
    core.start_sync()
    return core


def test_stop_and_texts_are_shared_and_sent_once(tmp_path: Path, central: str) -> None:
    a, b = _desk(tmp_path, central, "ws-a"), _desk(tmp_path, central, "ws-b")
    try:
        status = a.settings.texting.status_number
        text = inbound.InboundText("SM" + "5" * 32, PHONE, status, "STOP")
        a.store.write_sync(
            lambda s: inbound.receive(
                s,
                text,
                now=a.clock(),
                text911_number=a.settings.texting.text911_number,
                status_number=status,
                conversations=a.conversations,
            )
        )
        wait_until(lambda: b.store.read_sync(outbox.is_opted_out, PHONE), what="STOP on ws-b")
        refused, _ = b.store.write_sync(
            lambda s: outbox.enqueue(
                s,
                to_e164=PHONE,
                body="Unit on the way",
                purpose=Purpose.STATUS,
                key="k1",
                now=b.clock(),
            )
        )
        row = b.store.read_sync(lambda s: s.get(SmsMessage, refused))
        assert row.status == SmsStatus.FAILED and row.error_code == "opted_out"
        # The STOP's answer was queued on ws-a: it reaches ws-b, which does not send it.
        wait_until(
            lambda: b.store.read_sync(
                lambda s: s.scalar(
                    select(SmsMessage).where(SmsMessage.idempotency_key == f"auto:{text.sid}")
                )
            ),
            what="ws-a's answer on ws-b",
        )
        assert asyncio.run(b.outbox.run_once()) == 0
        assert asyncio.run(a.outbox.run_once()) == 1
        [answer] = a.sms.sent  # type: ignore[attr-defined]
        assert answer.to_e164 == PHONE and "no more texts" in answer.body
        assert b.sms.sent == []  # type: ignore[attr-defined]
        incoming = [
            c.store.read_sync(lambda s: s.get(SmsMessage, stable_id("sms_in", text.sid)))
            for c in (a, b)
        ]
        assert all(r is not None and r.body == "STOP" for r in incoming)
    finally:
        a.close()
        b.close()
