"""A small RTSP server for the camera tests, run by Debian's /usr/bin/python3 with gst-rtsp-server.

    /usr/bin/python3 tests/helpers/rtsp_server.py --port P --mounts N [--auth USER:PASS]
        [--width 640 --height 360 --fps 25 --speed 0]

Serves rtsp://127.0.0.1:P/cam0 .. /cam{N-1}: live videotestsrc encoded by x264 (zero latency,
ultrafast, a key frame every second), over TCP or UDP as the client asks. ``--auth`` puts every
mount behind basic authentication. Prints ``READY <port>`` once listening; stops on SIGTERM
or when stdin closes. Not a pytest module: the venv Python has no gi, so this runs outside it.
"""

from __future__ import annotations

import argparse
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

PIPELINE = (
    "( videotestsrc is-live=true pattern={pattern} horizontal-speed={speed} ! "
    "video/x-raw,width={width},height={height},framerate={fps}/1 ! "
    "x264enc tune=zerolatency speed-preset=ultrafast key-int-max={fps} ! "
    "rtph264pay name=pay0 pt=96 config-interval=1 )"
)
PATTERNS = ("smpte", "ball", "snow", "circular", "pinwheel", "spokes", "gamut", "bar")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--mounts", type=int, default=1)
    parser.add_argument("--auth", default="", help="USER:PASS for every mount")
    parser.add_argument("--width", type=int, default=640)
    parser.add_argument("--height", type=int, default=360)
    parser.add_argument("--fps", type=int, default=25)
    parser.add_argument(
        "--speed", type=int, default=0, help="pixels a frame the picture pans: motion to encode"
    )
    args = parser.parse_args()

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    if args.auth:
        # Every mount behind basic authentication: gst-rtsp-server answers an anonymous
        # client 404 rather than 401 on a mount it may not see, so no mount is left open.
        user, password = args.auth.split(":", 1)
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, "user")
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(user, password), token)
        server.set_auth(auth)

    mounts = server.get_mount_points()
    for i in range(args.mounts):
        name = f"cam{i}"
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(
            PIPELINE.format(
                pattern=PATTERNS[i % len(PATTERNS)],
                width=args.width,
                height=args.height,
                fps=args.fps,
                speed=args.speed,
            )
        )
        factory.set_shared(True)
        if args.auth:
            factory.add_role_from_structure(
                Gst.Structure.new_from_string(
                    "user, media.factory.access=(boolean)true, "
                    "media.factory.construct=(boolean)true"
                )
            )
        mounts.add_factory(f"/{name}", factory)

    loop = GLib.MainLoop()
    if server.attach(None) == 0:
        print(f"ERROR cannot listen on 127.0.0.1:{args.port}", flush=True)
        return 1
    print(f"READY {server.get_bound_port()}", flush=True)

    def _quit(*_: object) -> bool:
        loop.quit()
        return False

    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, _quit)
    GLib.io_add_watch(sys.stdin.fileno(), GLib.IO_HUP | GLib.IO_IN, _quit)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
