"""The desk's side of citizen live sessions: the link to the gateway, each session's media,
and where everything a session brings in is put (see :mod:`dispatch_desk.live.sessions`)."""
