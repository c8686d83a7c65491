"""The SQL statements an engine runs while inside a ``StatementLog``."""

from sqlalchemy import event


class StatementLog:
    def __init__(self, engine) -> None:
        self.engine = engine
        self.statements: list[str] = []

    def _note(self, _conn, _cursor, statement, *_args) -> None:
        self.statements.append(statement.replace("\n", " ").strip())

    def __enter__(self) -> "StatementLog":
        event.listen(self.engine, "before_cursor_execute", self._note)
        return self

    def __exit__(self, *_exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._note)

    def starting(self, head: str) -> list[str]:
        """The statements that start with ``head``."""
        return [s for s in self.statements if s.startswith(head)]

    def reading(self, *columns: str) -> list[str]:
        """The SELECTs of exactly these columns."""
        return self.starting("SELECT " + ", ".join(columns) + " ")
