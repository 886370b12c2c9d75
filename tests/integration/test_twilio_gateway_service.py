"""The gateway as its own service with [texting] provider = twilio: signed webhooks are kept in
its durable inbox across a hard kill of the process, until a desk takes them."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from dispatch_desk.gateway.text_inbox import TextInbox
from tests.helpers.twilio_server import ACCOUNT_SID, AUTH_TOKEN, inbound_params, post_signed

PUBLIC = "https://sms.example.org"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(home: Path, port: int) -> subprocess.Popen[str]:
    settings = [
        "gateway.desk_secret=secret",
        f"gateway.bind_port={port}",
        "texting.provider=twilio",
        f"texting.account_sid={ACCOUNT_SID}",
        "texting.auth_token_env=DD_TEST_TWILIO_TOKEN",
        f"texting.public_webhook_url={PUBLIC}",
    ]
    process = subprocess.Popen(
        [sys.executable, "-m", "dispatch_desk.gateway.main", "--home", str(home)]
        + [arg for item in settings for arg in ("--set", item)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "DD_TEST_TWILIO_TOKEN": AUTH_TOKEN},
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    assert "listening" in line, line
    return process


def test_webhooks_survive_a_killed_gateway(tmp_path: Path) -> None:
    port = _free_port()
    home = tmp_path / "gw"
    url = f"http://127.0.0.1:{port}/twilio/sms"

    async def post(i: int, *, sign_for: str = PUBLIC) -> int:
        params = inbound_params(
            sid=f"SM{i:032x}", from_="+16175550101", to="+1500555091", body=f"t{i}"
        )
        return await post_signed(url, params, signed_url=sign_for + "/twilio/sms")

    process = _start(home, port)
    try:
        assert asyncio.run(post(1)) == 200
        assert asyncio.run(post(2)) == 200
        assert asyncio.run(post(3, sign_for=f"http://127.0.0.1:{port}")) == 403
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(10)
    process = _start(home, port)
    try:
        assert asyncio.run(post(2)) == 200  # Twilio's retry of one already kept
        assert asyncio.run(post(4)) == 200
    finally:
        process.terminate()
        process.wait(10)
    data_dirs = list(home.rglob("gateway-texts.sqlite3"))
    assert len(data_dirs) == 1
    inbox = TextInbox(data_dirs[0])
    try:
        assert [e.params["Body"] for e in inbox.pending()] == ["t1", "t2", "t4"]
    finally:
        inbox.close()


def test_twilio_without_a_token_is_refused_at_start(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "dispatch_desk.gateway.main",
            "--home",
            str(tmp_path),
            *("--set", "gateway.desk_secret=s", "--set", "texting.provider=twilio"),
            *("--set", f"texting.account_sid={ACCOUNT_SID}"),
            *("--set", "texting.auth_token_env=DD_TEST_NO_SUCH_VARIABLE"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={k: v for k, v in os.environ.items() if k != "DD_TEST_NO_SUCH_VARIABLE"},
    )
    assert result.returncode == 2
    assert "$DD_TEST_NO_SUCH_VARIABLE" in result.stderr
