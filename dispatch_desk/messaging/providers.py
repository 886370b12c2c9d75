"""Choosing the SMS provider from the ``[texting]`` settings."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from dispatch_desk.config.settings import Settings, SettingsError, TextingSettings
from dispatch_desk.messaging.sms import LoopbackSms, SmsSender

STATUS_PATH = "/twilio/status"
INBOUND_PATH = "/twilio/sms"


def auth_token(settings: TextingSettings, environ: Mapping[str, str] | None = None) -> str:
    """The Twilio auth token: from the environment variable, else the file; never the
    settings file itself."""
    env = os.environ if environ is None else environ
    token = env.get(settings.auth_token_env, "").strip() if settings.auth_token_env else ""
    if token:
        return token
    if settings.auth_token_file:
        path = Path(settings.auth_token_file).expanduser()
        try:
            token = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise SettingsError(f"texting.auth_token_file: cannot read {path}: {exc}") from None
    if not token:
        raise SettingsError(
            f"texting.provider = twilio needs the auth token in ${settings.auth_token_env} "
            "or in the file named by texting.auth_token_file"
        )
    return token


def webhook_base(settings: Settings) -> str:
    """The public base URL Twilio calls (and signs); empty when none is configured."""
    return (settings.texting.public_webhook_url or settings.gateway.public_url).rstrip("/")


def make_sender(settings: Settings, environ: Mapping[str, str] | None = None) -> SmsSender:
    texting = settings.texting
    if texting.provider == "loopback":
        return LoopbackSms()
    if not texting.account_sid.startswith("AC"):
        raise SettingsError("texting.account_sid must be a Twilio account SID (AC...)")
    from dispatch_desk.messaging.twilio_sms import TwilioSms

    return TwilioSms(
        texting.account_sid,
        auth_token(texting, environ),
        from_e164=texting.status_number,
        messaging_service_sid=texting.messaging_service_sid,
        api_base_url=texting.api_base_url,
        timeout_s=texting.send_timeout_s,
    )


def status_callback_url(settings: Settings) -> str:
    base = webhook_base(settings)
    return f"{base}{STATUS_PATH}" if base and settings.texting.provider == "twilio" else ""
