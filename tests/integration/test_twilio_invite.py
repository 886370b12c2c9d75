"""A live-session invite texted through Twilio (the real library, a local Twilio): the caller's
link reaches Twilio's Messages API from the agency's number."""

from __future__ import annotations

import asyncio
from pathlib import Path

from dispatch_desk.domain.citizen import InviteKind
from dispatch_desk.live.sessions import LiveSessions
from tests.helpers.core import actor_for, create_incident, make_core
from tests.helpers.twilio_server import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio


def test_invite_link_goes_out_through_twilio(tmp_path: Path) -> None:
    token = tmp_path / "token"
    token.write_text(AUTH_TOKEN, encoding="utf-8")

    async def main() -> None:
        async with FakeTwilio() as tw:
            core = make_core(
                tmp_path,
                texting__provider="twilio",
                texting__account_sid=ACCOUNT_SID,
                texting__auth_token_file=str(token),
                texting__api_base_url=tw.base_url,
                texting__status_number="+15005550006",
            )
            actor = actor_for(core, "dispatcher")
            incident = create_incident(core, actor)
            live = LiveSessions(core, core.sms, record=False)
            try:
                invitation = await live.invite(
                    actor, incident.id, InviteKind.VIDEO, phone_e164="+16175550101"
                )
                [request] = tw.creates()
                assert request.auth == (ACCOUNT_SID, AUTH_TOKEN)
                assert request.form["To"] == "+16175550101"
                assert request.form["From"] == "+15005550006"
                assert invitation.url in request.form["Body"]
                assert invitation.sms_sid == tw.messages[0].sid
            finally:
                await live.close()
                await core.texts.stop()
                core.close()

    asyncio.run(main())
