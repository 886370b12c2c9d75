"""Camera streams for the wall: states, addresses and credentials, the RTSP relay, demo clips.

Qt-free: the widgets that paint a stream live in ``ui/wall``.
"""
