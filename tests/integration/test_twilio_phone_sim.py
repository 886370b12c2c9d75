"""The phone simulator on the embedded gateway (loopback provider): a person reads what a number
was texted and answers; the answer enters exactly as a signed Twilio webhook does."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select

from dispatch_desk.config.paths import resolve_paths
from dispatch_desk.domain.texting import Purpose, SmsDirection
from dispatch_desk.gateway.app import Gateway, GatewayConfig
from dispatch_desk.messaging import outbox
from dispatch_desk.messaging.desk_texts import DeskTexts
from dispatch_desk.storage.models import SmsMessage
from tests.helpers.core import make_core

ASSETS = resolve_paths().resources_dir / "citizen"
CALLER = "+16175550101"


def test_read_and_answer_from_the_simulated_phone(tmp_path: Path) -> None:
    async def main() -> None:
        core = make_core(tmp_path)
        texts = DeskTexts(core)
        gateway = Gateway(GatewayConfig(assets_dir=ASSETS, desk_secret="s", single_desk=True))
        try:
            async with TestClient(TestServer(gateway.app)) as client:
                assert (await client.get("/sim")).status == 404  # not until a desk enables it
                texts.serve_on(gateway)
                status_number = core.settings.texting.status_number
                await core.store.write(
                    lambda s: outbox.enqueue(
                        s,
                        to_e164=CALLER,
                        body="Officers are on the way <b>now</b> — ¿ayuda?",
                        purpose=Purpose.STATUS,
                        key="status:sim",
                        now=core.clock(),
                        from_e164=status_number,
                    )
                )
                assert await core.outbox.run_once() == 1
                index = await client.get("/sim")
                assert index.status == 200 and CALLER in await index.text()
                assert "form-action 'self'" in index.headers["Content-Security-Policy"]
                page = await (await client.get("/sim/phone", params={"number": CALLER})).text()
                assert "Officers are on the way &lt;b&gt;now&lt;/b&gt; — ¿ayuda?" in page
                assert "<b>now</b>" not in page
                answer = await client.post(
                    "/sim/send",
                    data={"number": CALLER, "to": status_number, "body": "stop"},
                    allow_redirects=False,
                )
                assert answer.status == 303
                text911 = core.settings.texting.text911_number
                rtl = "النجدة، هناك رجل في الحديقة"
                sent = await client.post(
                    "/sim/send",
                    data={"number": CALLER, "to": text911, "body": rtl},
                    allow_redirects=False,
                )
                assert sent.status == 303
                deadline = time.monotonic() + 10
                while await asyncio.to_thread(len, gateway.texts.inbox):
                    assert time.monotonic() < deadline
                    await asyncio.sleep(0.02)
                assert await core.store.read(outbox.is_opted_out, CALLER)
                rows = await core.store.read(
                    lambda s: list(
                        s.scalars(select(SmsMessage).where(SmsMessage.direction == SmsDirection.IN))
                    )
                )
                by_body = {r.body: r for r in rows}
                assert by_body["stop"].purpose == Purpose.AUTO_REPLY
                assert by_body[rtl].purpose == Purpose.CONVERSATION
                assert by_body[rtl].conversation_id is not None
                page = await (await client.get("/sim/phone", params={"number": CALLER})).text()
                assert rtl in page and 'dir="auto"' in page
                assert gateway.phone_sim.answers[0].status == 200
        finally:
            await texts.stop()
            gateway.cleanup()
            core.close()

    asyncio.run(main())


def test_a_survey_answered_from_the_phone_reaches_the_survey(tmp_path: Path) -> None:
    """The desk's own inbound path (gateway inbox -> desk) gives replies to the status number
    to the survey first: the answer is stored and thanked in the agency's name."""
    from datetime import timedelta

    from dispatch_desk.storage.models import Survey
    from tests.helpers.core import actor_for, create_incident

    async def main() -> None:
        core = make_core(tmp_path)
        texts = DeskTexts(core)
        gateway = Gateway(GatewayConfig(assets_dir=ASSETS, desk_secret="s", single_desk=True))
        try:
            async with TestClient(TestServer(gateway.app)) as client:
                texts.serve_on(gateway)
                incident = create_incident(core, actor_for(core, "dispatcher"))
                now = core.clock()

                def sent_survey(session):  # type: ignore[no-untyped-def]
                    session.add(
                        Survey(
                            incident_id=incident.id,
                            phone_e164=CALLER,
                            state="sent",
                            due_at=now - timedelta(hours=1),
                            sent_at=now - timedelta(minutes=5),
                            created_at=now,
                            updated_at=now,
                        )
                    )

                await core.store.write(sent_survey)
                answer = await client.post(
                    "/sim/send",
                    data={
                        "number": CALLER,
                        "to": core.settings.texting.status_number,
                        "body": "5 they were quick",
                    },
                    allow_redirects=False,
                )
                assert answer.status == 303
                deadline = time.monotonic() + 10
                while await asyncio.to_thread(len, gateway.texts.inbox):
                    assert time.monotonic() < deadline
                    await asyncio.sleep(0.02)
                survey = await core.store.read(
                    lambda s: s.scalar(select(Survey).where(Survey.incident_id == incident.id))
                )
                assert (survey.state, survey.score, survey.comment) == (
                    "answered",
                    5,
                    "they were quick",
                )
                replies = await core.store.read(
                    lambda s: list(
                        s.scalars(
                            select(SmsMessage).where(
                                SmsMessage.direction == SmsDirection.OUT,
                                SmsMessage.to_e164 == CALLER,
                            )
                        )
                    )
                )
                assert [r.purpose for r in replies] == [Purpose.SURVEY]  # thanks, no auto reply
                assert core.status_texts.config.agency in replies[0].body
        finally:
            await texts.stop()
            gateway.cleanup()
            core.close()

    asyncio.run(main())


def test_the_desk_starts_the_simulator_on_its_embedded_gateway(tmp_path: Path) -> None:
    import aiohttp

    from dispatch_desk.live.sessions import LiveSessions

    async def main() -> None:
        core = make_core(tmp_path)
        live = LiveSessions(core, core.sms, record=False)
        try:
            await core.texts.start(live)
            assert core.texts.phone_sim_url.startswith("http://127.0.0.1:")
            base = core.texts.phone_sim_url.removesuffix("/sim")
            async with aiohttp.ClientSession() as http:
                async with http.get(core.texts.phone_sim_url) as page:
                    assert page.status == 200
                async with http.post(
                    base + "/sim/send",
                    data={
                        "number": CALLER,
                        "to": core.settings.texting.text911_number,
                        "body": "I can't talk, he's here",
                    },
                    allow_redirects=False,
                ) as sent:
                    assert sent.status == 303
            deadline = time.monotonic() + 10
            while True:
                rows = await core.store.read(lambda s: list(s.scalars(select(SmsMessage.body))))
                if rows:
                    break
                assert time.monotonic() < deadline
                await asyncio.sleep(0.05)
            assert rows == ["I can't talk, he's here"]
        finally:
            await core.texts.stop()
            await live.close()
            core.close()

    asyncio.run(main())
