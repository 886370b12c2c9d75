"""dispatch-desk-gateway: the citizen gateway as its own service, for production.

    dispatch-desk-gateway [--config FILE] [--set gateway.KEY=VALUE ...]

Reads the [gateway] settings (bind_host, bind_port, public_url, cert_file, key_file,
ice_servers, desk_secret, limits). The desk secret is required: every desk must present it.
With [texting] provider = twilio it also takes Twilio's webhooks (/twilio/sms, /twilio/status).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import logging
import signal
import sys
from pathlib import Path

from dispatch_desk.config.paths import resolve_paths
from dispatch_desk.config.settings import SettingsError, load_settings
from dispatch_desk.gateway.server import GatewayServer, config_from_settings, tls_context

logger = logging.getLogger("dispatch_desk.gateway")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dispatch-desk-gateway",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--config", type=Path, help="settings file (TOML)")
    parser.add_argument("--set", dest="overrides", action="append", default=[])
    parser.add_argument("--home", type=Path, help="keep settings and data here")
    return parser


async def _serve(server: GatewayServer) -> None:
    await server.start()
    print(f"dispatch-desk-gateway: listening, links start {server.base_url}/s/", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        # Windows has no signal handlers on the loop: Ctrl+C raises KeyboardInterrupt instead.
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await server.stop()


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    paths = resolve_paths(args.home)
    try:
        settings = load_settings(paths, config_file=args.config, overrides=args.overrides)
    except SettingsError as exc:
        print(f"dispatch-desk-gateway: settings: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    gw = settings.gateway
    if not gw.desk_secret:
        print("dispatch-desk-gateway: set gateway.desk_secret (desks present it)", file=sys.stderr)
        return 2
    if not gw.cert_file and gw.bind_host not in ("127.0.0.1", "::1", "localhost"):
        logger.warning("serving plain HTTP on %s: phones need HTTPS for the camera", gw.bind_host)
    try:
        context = tls_context(gw.cert_file, gw.key_file)
    except (OSError, ValueError) as exc:
        print(f"dispatch-desk-gateway: certificate: {exc}", file=sys.stderr)
        return 2
    config = config_from_settings(gw, paths.resources_dir / "citizen")
    if settings.texting.provider == "twilio":
        # Twilio's webhooks land here and wait in a durable inbox until a desk has them.
        from dispatch_desk.gateway.twilio_hooks import TextingConfig
        from dispatch_desk.messaging.providers import auth_token, webhook_base

        try:
            token = auth_token(settings.texting)
        except SettingsError as exc:
            print(f"dispatch-desk-gateway: settings: {exc}", file=sys.stderr)
            return 2
        config = dataclasses.replace(
            config,
            texting=TextingConfig(
                auth_token=token,
                account_sid=settings.texting.account_sid,
                inbox_path=paths.data_dir / "gateway-texts.sqlite3",
                public_url=webhook_base(settings),
                text911_number=settings.texting.text911_number,
                status_number=settings.texting.status_number,
            ),
        )
    server = GatewayServer(
        config,
        host=gw.bind_host,
        port=gw.bind_port or 8443,
        ssl_context=context,
        public_url=gw.public_url,
    )
    try:
        asyncio.run(_serve(server))
    except OSError as exc:
        print(f"dispatch-desk-gateway: cannot listen: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
