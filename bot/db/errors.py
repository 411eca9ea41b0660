"""The one place where database failures become `StorageError` (the ports' `StorageFailure`,
the only storage failure the layers above know; nothing above `bot/db` imports SQLAlchemy)."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import ParamSpec, TypeVar

from sqlalchemy.exc import SQLAlchemyError

from bot.app.ports import StorageFailure

P = ParamSpec("P")
T = TypeVar("T")
DATABASE_FAILURES = (SQLAlchemyError, OSError)
"""What a driver raises when the database is down, locked, full or unreadable."""


class StorageError(StorageFailure):
    """The database could not do what was asked; the message names the failure's type only."""


def mapped(method: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """The method, raising StorageError for any database failure."""

    @functools.wraps(method)
    async def call(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return await method(*args, **kwargs)
        except DATABASE_FAILURES as exc:
            raise StorageError(type(exc).__name__) from exc

    return call
