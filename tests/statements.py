"""The SQL a piece of code sends, caught for tests that count or read it (issue 10:
a read's statements must not grow with the rows it reads)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple

from sqlalchemy import Engine, event


class Sent(NamedTuple):
    text: str
    parameters: Any

    def is_select(self) -> bool:
        return self.text.lstrip().upper().startswith("SELECT")


@contextmanager
def statements_sent(engine: Engine) -> Iterator[list[Sent]]:
    """Every statement ``engine`` sends inside the block, in order, with its parameters."""
    sent: list[Sent] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        sent.append(Sent(statement, parameters))

    event.listen(engine, "before_cursor_execute", keep)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", keep)
