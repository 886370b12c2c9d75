"""A TCP proxy between a workstation and PostgreSQL, for cutting the network path in tests.

Modes:

- ``pass``: bytes flow both ways.
- ``refuse``: the port stops listening and every open connection is reset, so the client sees
  "connection refused" / "connection reset" at once (a server gone, a firewall rejecting).
- ``hang``: the port keeps accepting but nothing is forwarded, on new connections and on the
  ones already open (a cable pulled somewhere along the way: no error, just silence).

``restore()`` goes back to ``pass`` on the same port; connections frozen by ``hang`` resume
(as TCP would after a short outage), and ones accepted while hanging connect to the server.
"""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import threading

PASS = "pass"
REFUSE = "refuse"
HANG = "hang"

_TICK = 0.05


def _reset(sock: socket.socket) -> None:
    """Close with an RST rather than a FIN: the peer's next read fails at once."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.close()


class _Link:
    """One client connection and, once flowing, its connection to the server."""

    def __init__(self, proxy: TcpProxy, client: socket.socket) -> None:
        self.proxy = proxy
        self.client = client
        self.server: socket.socket | None = None
        self.closed = threading.Event()
        self.thread = threading.Thread(target=self._run, name="proxy-link", daemon=True)

    def _run(self) -> None:
        try:
            if not self.proxy._wait_flowing(self.closed):
                return
            try:
                self.server = socket.create_connection(self.proxy.target, timeout=5)
            except OSError:
                return
            self.server.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            pair = {self.client: self.server, self.server: self.client}
            while not self.closed.is_set():
                if not self.proxy._wait_flowing(self.closed):
                    return
                readable, _, _ = select.select(list(pair), [], [], _TICK)
                for sock in readable:
                    if not self.proxy._flowing.is_set():
                        break  # frozen between select and recv: forward nothing
                    data = sock.recv(65536)
                    if not data:
                        return
                    pair[sock].sendall(data)
        except (OSError, ValueError):  # ValueError: a socket closed by refuse() meanwhile
            return
        finally:
            self.close()

    def close(self, reset: bool = False) -> None:
        self.closed.set()
        for sock in (self.client, self.server):
            if sock is None:
                continue
            if reset:
                _reset(sock)
            else:
                with contextlib.suppress(OSError):
                    sock.close()
        self.proxy._forget(self)


class TcpProxy:
    def __init__(self, target_host: str, target_port: int, listen_port: int = 0) -> None:
        self.target = (target_host, target_port)
        self.mode = PASS
        self._lock = threading.Lock()
        self._links: set[_Link] = set()
        self._flowing = threading.Event()
        self._flowing.set()
        self._stopped = threading.Event()
        self._listener: socket.socket | None = None
        self._accepting: threading.Thread | None = None
        self.port = listen_port
        self._listen()

    # -- control

    @property
    def address(self) -> tuple[str, int]:
        return ("127.0.0.1", self.port)

    def url(self, database: str, user: str = "postgres") -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"

    def refuse(self) -> None:
        with self._lock:
            self.mode = REFUSE
            self._flowing.clear()
            listener, self._listener = self._listener, None
            links = list(self._links)
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.close()
        if self._accepting is not None:
            self._accepting.join(5)
            self._accepting = None
        for link in links:
            link.close(reset=True)

    def hang(self) -> None:
        with self._lock:
            self.mode = HANG
            self._flowing.clear()
        if self._listener is None:
            self._listen()

    def restore(self) -> None:
        if self._listener is None:
            self._listen()
        with self._lock:
            self.mode = PASS
            self._flowing.set()

    def connections(self) -> int:
        with self._lock:
            return len(self._links)

    def close(self) -> None:
        self._stopped.set()
        self.refuse()

    def __enter__(self) -> TcpProxy:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # -- internals

    def _listen(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.settimeout(_TICK)
        self.port = listener.getsockname()[1]
        with self._lock:
            self._listener = listener
        self._accepting = threading.Thread(
            target=self._accept, args=(listener,), name="proxy-accept", daemon=True
        )
        self._accepting.start()

    def _accept(self, listener: socket.socket) -> None:
        while not self._stopped.is_set():
            with self._lock:
                if self._listener is not listener:
                    return
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            link = _Link(self, client)
            with self._lock:
                if self._listener is not listener:
                    _reset(client)
                    return
                self._links.add(link)
            link.thread.start()

    def _wait_flowing(self, closed: threading.Event) -> bool:
        while not self._flowing.wait(_TICK):
            if closed.is_set() or self._stopped.is_set():
                return False
        return not closed.is_set()

    def _forget(self, link: _Link) -> None:
        with self._lock:
            self._links.discard(link)
