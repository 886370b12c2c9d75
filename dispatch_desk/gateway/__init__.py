"""The citizen gateway: the only service a caller's phone talks to.

It serves the citizen page, checks invite links, relays WebRTC signalling between the phone and
the desk that owns the session (over an authenticated desk link), and takes in chat, GPS fixes
and uploads. It holds no incident data of its own: the desk registers its live invites (hashes
only) each time its link connects, so a restarted gateway learns them again within a second.
"""
