"""A client-side deadline for PostgreSQL operations.

The server's statement_timeout cannot help when the server is frozen (stopped, hung,
or a network path that swallows packets): the client would wait on its socket for as
long as that lasts, holding a worker thread and a pooled connection. So every
statement, begin, commit and rollback on a service connection arms a deadline; a
watchdog thread shuts the connection's socket down when one passes. The waiting call
then fails at once as a lost connection (the service answers 503), the pool drops
that connection, and the next request connects afresh.
"""

from __future__ import annotations

import os
import socket
import threading
import time

from sqlalchemy import event
from sqlalchemy.engine import Engine


class Watchdog:
    """Deadlines of DBAPI connections, checked every ``tick`` seconds by one thread for
    the whole process (started on first use), whatever the number of engines."""

    def __init__(self, tick: float = 0.1) -> None:
        self.tick = tick
        self.deadlines: dict[int, tuple[float, int]] = {}  # id(connection) -> (when, fd)
        self.guard = threading.Lock()
        self.started = False

    def arm(self, dbapi_connection, seconds: float) -> None:
        fd = _socket_of(dbapi_connection)
        if fd is None:
            return
        with self.guard:
            self.deadlines[id(dbapi_connection)] = (time.monotonic() + seconds, fd)
            if not self.started:
                threading.Thread(target=self._watch, name="db-deadline", daemon=True).start()
                self.started = True

    def disarm(self, dbapi_connection) -> None:
        with self.guard:
            self.deadlines.pop(id(dbapi_connection), None)

    def _watch(self) -> None:
        while True:
            time.sleep(self.tick)
            now = time.monotonic()
            with self.guard:
                late = [key for key, (when, _) in self.deadlines.items() if when <= now]
                expired = [self.deadlines.pop(key)[1] for key in late]
            for fd in expired:
                _shut_down(fd)


def _socket_of(dbapi_connection) -> int | None:
    try:
        return dbapi_connection.pgconn.socket
    except Exception:  # closed, or not a psycopg connection
        return None


def _shut_down(fd: int) -> None:
    """End the connection's socket for both sides: a call blocked on it returns."""
    try:
        duplicate = socket.socket(fileno=os.dup(fd))
    except OSError:
        return  # already closed
    try:
        duplicate.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    finally:
        duplicate.close()


_watchdog = Watchdog()


def install(engine: Engine, seconds: float) -> None:
    """Arm on every database operation of ``engine``'s connections; disarm when a
    connection goes back to the pool."""
    watchdog = _watchdog

    def arm_connection(connection) -> None:
        if connection.invalidated or connection.closed:
            return  # a lost connection: nothing left to wait on
        watchdog.arm(connection.connection.dbapi_connection, seconds)

    def arm_cursor(connection, _cursor, _statement, _parameters, _context, _many) -> None:
        arm_connection(connection)

    def disarm(dbapi_connection, _record) -> None:
        watchdog.disarm(dbapi_connection)

    event.listen(engine, "before_cursor_execute", arm_cursor)
    for name in ("begin", "commit", "rollback"):
        event.listen(engine, name, arm_connection)
    event.listen(engine.pool, "checkin", disarm)
    event.listen(engine.pool, "close", disarm)
