"""What a configuration change may show in the audit trail: never a secret."""

from __future__ import annotations

import pytest

from dispatch_desk.audit.admin_log import redact


@pytest.mark.parametrize(
    ("assignment", "shown"),
    [
        ("central.url=postgresql://desk:s3cret@db.example.org/dd",
         "postgresql://desk:***@db.example.org/dd"),
        ("central.url=postgresql://db.example.org/dd?user=desk&password=s3cret&sslmode=require",
         "postgresql://db.example.org/dd?user=desk&password=***&sslmode=require"),
        ("gateway.public_url=https://gw.example.org/join?token=s3cret#x",
         "https://gw.example.org/join?token=***#x"),
        ("texting.api_base_url=https://api.example.org/?api_key=s3cret&AccessSecret=s3cret",
         "https://api.example.org/?api_key=***&AccessSecret=***"),
        ("cameras.source=rtsp://admin:s3cret@10.0.0.5/stream", "rtsp://admin:***@10.0.0.5/stream"),
        ("gateway.desk_secret=s3cret", "(hidden)"),
        ("gateway.ice_credential=s3cret", "(hidden)"),
        ("texting.auth_token_file=/etc/desk/twilio-token", "(hidden)"),
        ("ui.theme=dark", "dark"),
        ("central.url=postgresql://db.example.org/dd?sslmode=require",
         "postgresql://db.example.org/dd?sslmode=require"),
    ],
)  # fmt: skip
def test_secrets_are_masked(assignment: str, shown: str) -> None:
    name = assignment.partition("=")[0]
    value = assignment.partition("=")[2]
    asked, error = redact([assignment], f"bad value {value}")
    assert asked == {name: shown}
    assert "s3cret" not in error
    assert "s3cret" not in str(asked)
