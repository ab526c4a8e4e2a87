"""Request slots: how many requests of one costly kind (exports, text searches) run at once in
this process, in total and per user. Beyond that the answer is 429 with Retry-After at once, so
such requests cannot pile up on the database pool and starve everything else."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app

from errors import TooManyRequests


class Slots:
    def __init__(self, noun: str, total: int, per_user: int, retry_after: int) -> None:
        self.noun, self.total, self.per_user, self.retry_after = noun, total, per_user, retry_after
        self._lock = threading.Lock()
        self._by_user: dict[int, int] = {}

    @property
    def taken(self) -> int:
        with self._lock:
            return sum(self._by_user.values())

    def take(self, user_id: int) -> None:
        with self._lock:
            if self._by_user.get(user_id, 0) >= self.per_user:
                raise TooManyRequests(
                    f"You already have {self.per_user} {self.noun} running; wait for one to "
                    "finish.",
                    retry_after=self.retry_after,
                )
            if sum(self._by_user.values()) >= self.total:
                raise TooManyRequests(
                    f"{self.total} {self.noun} are running already; try again in a few seconds.",
                    retry_after=self.retry_after,
                )
            self._by_user[user_id] = self._by_user.get(user_id, 0) + 1

    def give_back(self, user_id: int) -> None:
        with self._lock:
            left = self._by_user.get(user_id, 0) - 1
            if left > 0:
                self._by_user[user_id] = left
            else:
                self._by_user.pop(user_id, None)

    @contextmanager
    def held(self, user_id: int) -> Iterator[None]:
        self.take(user_id)
        try:
            yield
        finally:
            self.give_back(user_id)


def app_slots(name: str, noun: str, total: int, per_user: int, retry_after: int) -> Slots:
    """The app's slots called `name`, made on first use."""
    extensions = current_app.extensions.setdefault("medsync_slots", {})
    found = extensions.get(name)
    if found is None:
        found = extensions.setdefault(name, Slots(noun, total, per_user, retry_after))
    return found
