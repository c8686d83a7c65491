"""A TCP proxy the tests control, between the service and a real PostgreSQL: it can
freeze (hold every byte, as a stopped or hung server does: connections stay open and
nothing answers), cut (drop every connection and refuse new ones, as a server that is
down) and be restored."""

from __future__ import annotations

import contextlib
import socket
import threading
import time


class TcpProxy:
    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.frozen = threading.Event()
        self.refusing = threading.Event()
        self.sockets: list[socket.socket] = []
        self.guard = threading.Lock()
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def freeze(self) -> None:
        self.frozen.set()

    def cut(self) -> None:
        self.refusing.set()
        with self.guard:
            for sock in self.sockets:
                _close(sock)
            self.sockets.clear()

    def restore(self) -> None:
        self.refusing.clear()
        self.frozen.clear()

    def close(self) -> None:
        self.closed = True
        self.cut()
        _close(self.listener)

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.refusing.is_set():
                _close(client)
                continue
            upstream = socket.create_connection(self.target)
            with self.guard:
                self.sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                while self.frozen.is_set() and not self.refusing.is_set():
                    time.sleep(0.02)  # held, as a frozen peer holds it
                sink.sendall(data)
        except OSError:
            pass
        finally:
            _close(source)
            _close(sink)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
