"""RTSP for a libvlc built without its RTSP client: PyAV pulls, VLC decodes.

Debian's libvlc has no live555, so it cannot open ``rtsp://``. :class:`RtspRelay` opens the
stream with PyAV (FFmpeg's RTSP client; TCP, or UDP when asked), takes the H.264 packets as they
come and remuxes them, unchanged (no decoding, no re-encoding), into MPEG-TS written to a pipe.
VLC reads the other end of the pipe (``libvlc_media_new_fd``) as a live file. Everything runs on
one daemon thread per stream; FFmpeg's read and write release the GIL.

Why a pipe and not ``libvlc_media_new_callbacks``: with callbacks every read VLC makes would
call into Python on VLC's thread; FFmpeg's ``pipe:`` protocol writes from C and VLC reads from C,
so the only Python per packet is the demux/mux loop.

The relay does not retry: it reports why it stopped (:class:`RelayEnd`) and the player decides.
Errors are told with the credentials taken out (:func:`~dispatch_desk.cameras.streams.redact`).
"""

from __future__ import annotations

import _thread
import contextlib
import errno
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import av

from dispatch_desk.cameras.streams import StreamCredentials, redact, redact_url, with_credentials

log = logging.getLogger(__name__)

OPEN_TIMEOUT_S = 5.0
READ_TIMEOUT_S = 3.0  # no packet for this long: the camera is gone


class EndKind(StrEnum):
    AUTH = "auth"  # 401/403: retrying will not help
    NOT_FOUND = "not-found"  # 404: no such stream on that camera
    BAD_ADDRESS = "bad-address"  # the host name does not resolve, or no video in the stream
    UNREACHABLE = "unreachable"  # refused, timed out: the camera may come back
    ENDED = "ended"  # the stream stopped or broke off
    STOPPED = "stopped"  # we stopped it


RETRYABLE = frozenset({EndKind.UNREACHABLE, EndKind.ENDED})


@dataclass(frozen=True)
class RelayEnd:
    kind: EndKind
    message: str  # for the tile; never holds a credential

    @property
    def retry(self) -> bool:
        return self.kind in RETRYABLE


def classify_error(exc: BaseException, credentials: StreamCredentials | None = None) -> RelayEnd:
    """What an FFmpeg/PyAV error opening or reading a stream means for the dispatcher."""
    if isinstance(exc, (av.HTTPUnauthorizedError, av.HTTPForbiddenError)):
        return RelayEnd(EndKind.AUTH, "Wrong user name or password")
    if isinstance(exc, av.HTTPNotFoundError):
        return RelayEnd(EndKind.NOT_FOUND, "No such stream on the camera")
    if isinstance(exc, av.HTTPClientError):
        return RelayEnd(EndKind.NOT_FOUND, "The camera refused the stream request")
    if isinstance(exc, ConnectionRefusedError):
        return RelayEnd(EndKind.UNREACHABLE, "Camera not answering")
    if isinstance(exc, (TimeoutError, av.ExitError)):
        return RelayEnd(EndKind.UNREACHABLE, "Camera not answering")
    if isinstance(exc, av.EOFError):
        return RelayEnd(EndKind.ENDED, "Stream ended")
    err = getattr(exc, "errno", None)
    if err == errno.EIO and "://" in str(exc) and _unresolvable(str(exc)):
        return RelayEnd(EndKind.BAD_ADDRESS, "Camera address not found")
    if err in (errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ETIMEDOUT, errno.ECONNRESET):
        return RelayEnd(EndKind.UNREACHABLE, "Camera not answering")
    return RelayEnd(EndKind.ENDED, "Stream error: " + redact(_short(exc), credentials))


def _unresolvable(text: str) -> bool:
    """FFmpeg reports a failed name lookup as EIO; tell it from other I/O errors by asking."""
    import socket
    from urllib.parse import urlsplit

    start = text.find("'")
    url = text[start + 1 : text.rfind("'")] if start >= 0 else text
    host = urlsplit(url).hostname
    if not host:
        return False
    try:
        socket.getaddrinfo(host, None)
    except OSError:
        return True
    return False


def _short(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc)
    return text.splitlines()[0][:160] if text else type(exc).__name__


class RtspRelay:
    """One RTSP stream pulled by PyAV and written as MPEG-TS into a pipe for VLC.

    ``on_end(RelayEnd)`` is called once, on the relay's thread, when it stops for any reason.
    ``on_open(width, height)`` when the stream is open and its first packet is written.
    """

    def __init__(
        self,
        url: str,
        credentials: StreamCredentials | None = None,
        *,
        transport: str = "tcp",
        on_end: Callable[[RelayEnd], None] | None = None,
        on_open: Callable[[int, int], None] | None = None,
    ) -> None:
        if transport not in ("tcp", "udp", "auto"):
            raise ValueError(f"transport must be tcp, udp or auto, not {transport!r}")
        self.url = redact_url(url)
        self._url = url
        self._credentials = credentials
        self.transport = transport
        self._on_end = on_end
        self._on_open = on_open
        self._stop = threading.Event()
        self._done = threading.Event()
        self._started = False
        self._read_fd = -1
        self._write_fd = -1
        self._fd_lock = threading.Lock()
        self.packets = 0
        self.used_transport = ""
        self.end: RelayEnd | None = None

    def start(self, sink_fd: int | None = None) -> int:
        """Start pulling; returns the pipe's read end for VLC (the relay closes it). With
        ``sink_fd`` (a FIFO, say) the relay writes there instead, closes it when done, and
        returns -1."""
        if sink_fd is None:
            self._read_fd, self._write_fd = os.pipe()
        else:
            self._write_fd = sink_fd
        self._started = True
        # A bare thread: threading.Thread.start() waits until the new thread runs (costly
        # when a wall switches 16 streams at once), and the interpreter does not wait for
        # it at exit (the players are stopped at exit, which ends their relays).
        _thread.start_new_thread(self._run, ())
        return self._read_fd

    def stop(self) -> None:
        """Ask the relay to stop; returns at once. Call :meth:`close_reader` once VLC let go."""
        self._stop.set()

    def close_reader(self) -> None:
        """Close the pipe's read end (after VLC was stopped): a blocked write then fails."""
        self._stop.set()
        with self._fd_lock:
            fd, self._read_fd = self._read_fd, -1
        if fd >= 0:
            os.close(fd)

    def join(self, timeout: float | None = None) -> bool:
        """Until the relay's thread is done with it; False on timeout."""
        return self._done.wait(timeout) if self._started else True

    # -- the relay thread

    def _run(self) -> None:
        end = RelayEnd(EndKind.STOPPED, "Stopped")
        try:
            end = self._relay()
        except BaseException as exc:
            end = RelayEnd(EndKind.ENDED, "Stream error: " + redact(_short(exc), self._credentials))
        finally:
            with self._fd_lock:
                fd, self._write_fd = self._write_fd, -1
            if fd >= 0:
                os.close(fd)
        if self._stop.is_set():
            end = RelayEnd(EndKind.STOPPED, "Stopped")
        self.end = end
        log.debug("relay %s ended: %s %s", self.url, end.kind, end.message)
        try:
            if self._on_end is not None:
                self._on_end(end)
        finally:
            self._done.set()

    def _open(self) -> av.container.InputContainer | RelayEnd:
        transports = ("tcp", "udp") if self.transport == "auto" else (self.transport,)
        full_url = with_credentials(self._url, self._credentials)
        result: RelayEnd = RelayEnd(EndKind.UNREACHABLE, "Camera not answering")
        for transport in transports:
            if self._stop.is_set():
                break
            options = {
                "rtsp_transport": transport,
                "timeout": str(int(READ_TIMEOUT_S * 1_000_000)),
                # The SDP carries SPS/PPS: no need to buffer a second of video to probe.
                "analyzeduration": "0",
                "probesize": "32",
                "fpsprobesize": "0",
            }
            try:
                container = av.open(
                    full_url, options=options, timeout=(OPEN_TIMEOUT_S, READ_TIMEOUT_S)
                )
            except (av.FFmpegError, OSError) as exc:
                result = classify_error(exc, self._credentials)
                if not result.retry:
                    return result  # the other transport would be refused alike
                continue
            self.used_transport = transport
            return container
        return result

    def _relay(self) -> RelayEnd:
        opened = self._open()
        if isinstance(opened, RelayEnd):
            return opened
        source = opened
        try:
            if not source.streams.video:
                return RelayEnd(EndKind.BAD_ADDRESS, "The stream has no video")
            video = source.streams.video[0]
            if self._stop.is_set():
                return RelayEnd(EndKind.STOPPED, "Stopped")
            sink = av.open(
                f"pipe:{self._write_fd}",
                mode="w",
                format="mpegts",
                options={"flush_packets": "1"},
            )
            try:
                return self._pump(source, video, sink)
            finally:
                # The reader may be gone already: then there is nothing left to flush to.
                with contextlib.suppress(av.FFmpegError, OSError):
                    sink.close()
        finally:
            source.close()

    def _pump(
        self,
        source: av.container.InputContainer,
        video: av.video.stream.VideoStream,
        sink: av.container.OutputContainer,
    ) -> RelayEnd:
        out = sink.add_stream_from_template(video)
        last_dts: int | None = None
        try:
            for packet in source.demux(video):
                if self._stop.is_set():
                    return RelayEnd(EndKind.STOPPED, "Stopped")
                if packet.size == 0:
                    continue  # the demuxer's end-of-stream marker
                if packet.dts is None:
                    # The first packet of an RTSP session often has no time stamp yet.
                    stamp = 0 if last_dts is None else last_dts + 1
                    packet.dts = stamp
                    if packet.pts is None:
                        packet.pts = stamp
                elif last_dts is not None and packet.dts <= last_dts:
                    continue  # out of order (UDP): the muxer would refuse it
                last_dts = packet.dts
                if self.packets == 0 and self._on_open is not None:
                    ctx = video.codec_context  # told before VLC can see a frame
                    self._on_open(ctx.width, ctx.height)
                packet.stream = out
                sink.mux(packet)
                self.packets += 1
        except (av.FFmpegError, OSError) as exc:
            if self._stop.is_set() or getattr(exc, "errno", None) == errno.EPIPE:
                return RelayEnd(EndKind.STOPPED, "Stopped")
            return classify_error(exc, self._credentials)
        if self._stop.is_set():
            return RelayEnd(EndKind.STOPPED, "Stopped")
        return RelayEnd(EndKind.ENDED, "Stream ended")
