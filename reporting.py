"""The tiny contract between long-running work (scrapers, syncs) and whoever runs it.

Scrapers and syncs report progress and pass checkpoints through a `Reporter`; the job engine
supplies one that writes to the run row, the CLI one that draws a progress bar, tests the no-op
default. Neither side imports the other.
"""

from __future__ import annotations

from typing import Any


class Cancelled(Exception):
    """Raised at a checkpoint when someone asked the running work to stop."""


class Reporter:
    """No-op reporter: the default when nobody is watching."""

    def progress(self, done: int, total: int | None, step: str, **details: Any) -> None:
        """Record that `done` of `total` units are finished; `step` says what is happening."""

    def checkpoint(self) -> None:
        """Raise `Cancelled` if the work should stop here. Called between safe units of work."""

    def warn(self, message: str) -> None:
        """Record a non-fatal problem (a page that failed after its retries, say)."""
