"""Running a gateway: on a configured address with TLS (production), or inside the desk on
127.0.0.1 with a free port (the embedded default)."""

from __future__ import annotations

import logging
import secrets
import ssl
from pathlib import Path

from aiohttp import web

from dispatch_desk.config.settings import GatewaySettings
from dispatch_desk.gateway.app import Gateway, GatewayConfig, ice_servers

logger = logging.getLogger(__name__)


def config_from_settings(
    settings: GatewaySettings, assets_dir: Path, *, desk_secret: str = ""
) -> GatewayConfig:
    return GatewayConfig(
        assets_dir=assets_dir,
        desk_secret=desk_secret or settings.desk_secret or secrets.token_urlsafe(32),
        ice_servers=ice_servers(
            settings.ice_servers, settings.ice_username, settings.ice_credential
        ),
        upload_max_bytes=int(settings.upload_max_mb * 1_000_000),
        chat_max_chars=settings.chat_max_chars,
        link_checks_per_min=settings.link_checks_per_min,
        uploads_per_min=settings.uploads_per_min,
        invites_per_min=settings.invites_per_min,
        secure_cookies=bool(settings.cert_file) or settings.public_url.startswith("https:"),
    )


def tls_context(cert_file: str, key_file: str) -> ssl.SSLContext | None:
    if not cert_file:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_file, key_file or None)
    return context


class GatewayServer:
    """One gateway listening on a socket; ``start`` then ``stop`` (each once)."""

    def __init__(
        self,
        config: GatewayConfig,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        ssl_context: ssl.SSLContext | None = None,
        public_url: str = "",
    ) -> None:
        self.gateway = Gateway(config)
        self.host = host
        self.port = port
        self._ssl = ssl_context
        self._public_url = public_url.rstrip("/")
        self._runner: web.AppRunner | None = None

    @property
    def config(self) -> GatewayConfig:
        return self.gateway.config

    @property
    def base_url(self) -> str:
        """Where phones reach it: the configured public address, else the bound one."""
        if self._public_url:
            return self._public_url
        scheme = "https" if self._ssl else "http"
        return f"{scheme}://{self.host}:{self.port}"

    @property
    def desk_url(self) -> str:
        scheme = "wss" if self._ssl else "ws"
        return f"{scheme}://{self.host}:{self.port}/desk"

    async def start(self) -> None:
        runner = web.AppRunner(
            self.gateway.app,
            access_log_class=self.gateway.access_log_class,
            handle_signals=False,
            shutdown_timeout=2.0,
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port, ssl_context=self._ssl, reuse_address=True)
        await site.start()
        sockets = getattr(site._server, "sockets", None) or []
        if sockets:
            self.port = sockets[0].getsockname()[1]
        self._runner = runner
        logger.info("gateway listening on %s", self.base_url)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self.gateway.cleanup()
