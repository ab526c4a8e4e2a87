"""Each run's own log: the lines its job logged (time, level, logger, message), kept in
`run_log_lines` so anyone can read them in the run's details or download them, from any process.

A logging handler on the root logger keeps every line logged while a run is current (the
`current_run_id` the engine sets, the same one that puts `[run N]` into the console's lines) in
a buffer per run. The engine writes the buffer out with each heartbeat and once more when the
run ends, in one INSERT on its own connection, so logging never waits for the database and never
touches the job's transaction.

Bounded: a run keeps its first MAX_LINES lines, then only warnings and errors, up to
EXTRA_WARNINGS more; the rest are counted and the log ends with a line saying how many were not
kept. A message is cut at MAX_MESSAGE characters.
"""

from __future__ import annotations

import contextvars
import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from database import db
from models import RunLogLine

# The run the current thread executes (set by the engine): its log lines carry its id.
current_run_id: contextvars.ContextVar[int | None] = contextvars.ContextVar("run_id", default=None)

MAX_LINES = 2000
EXTRA_WARNINGS = 200
MAX_MESSAGE = 2000


@dataclass
class _RunBuffer:
    lines: list[dict[str, Any]] = field(default_factory=list)
    kept: int = 0  # lines accepted so far, written or not
    dropped: int = 0


class RunLogHandler(logging.Handler):
    """Collects the lines of the run current in the logging thread; see the module docstring."""

    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self._buffers: dict[int, _RunBuffer] = {}
        self._guard = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        run_id = current_run_id.get()
        if run_id is None:
            return
        try:
            message = record.getMessage()
            if record.exc_info and record.exc_info[1] is not None:
                message = f"{message} ({type(record.exc_info[1]).__name__})"
            line = {
                "run_id": run_id,
                "logged_at": datetime.fromtimestamp(record.created, UTC),
                "level": record.levelname[:8],
                "logger": record.name[:120],
                "message": message[:MAX_MESSAGE],
            }
        except Exception:
            self.handleError(record)
            return
        with self._guard:
            buffer = self._buffers.setdefault(run_id, _RunBuffer())
            room = MAX_LINES + (EXTRA_WARNINGS if record.levelno >= logging.WARNING else 0)
            if buffer.kept >= room:
                buffer.dropped += 1
                return
            buffer.kept += 1
            buffer.lines.append(line)

    def take(self, run_ids: list[int], *, final: bool = False) -> list[dict[str, Any]]:
        """The lines waiting to be written for these runs; with `final`, their buffers end and a
        last line counts what was not kept."""
        taken: list[dict[str, Any]] = []
        with self._guard:
            for run_id in run_ids:
                buffer = self._buffers.get(run_id)
                if buffer is None:
                    continue
                taken.extend(buffer.lines)
                buffer.lines = []
                if final:
                    del self._buffers[run_id]
                    if buffer.dropped:
                        taken.append(_dropped_line(run_id, buffer.dropped))
        return taken


def _dropped_line(run_id: int, dropped: int) -> dict[str, Any]:
    return {
        "run_id": run_id,
        "logged_at": datetime.now(UTC),
        "level": "WARNING",
        "logger": __name__,
        "message": (
            f"{dropped:,} more line(s) not kept: a run keeps its first {MAX_LINES:,} lines, "
            f"then up to {EXTRA_WARNINGS} warnings and errors."
        ),
    }


class RunIdLogFilter(logging.Filter):
    """Puts the current run's id into every log line written while a job runs: `run_id` (for
    JSON logs) and `run`, `[run N] ` for the text format."""

    def filter(self, record: logging.LogRecord) -> bool:
        run_id = current_run_id.get()
        record.run_id = run_id
        record.run = f"[run {run_id}] " if run_id is not None else ""
        return True


handler = RunLogHandler()


def install() -> None:
    """Put the handler on the root logger (once per process)."""
    root = logging.getLogger()
    if handler not in root.handlers:
        root.addHandler(handler)


def flush(run_ids: list[int], *, final: bool = False) -> None:
    """Write the buffered lines of these runs (needs an app context). A failed write costs those
    lines, never the run."""
    lines = handler.take(run_ids, final=final)
    if not lines:
        return
    try:
        with db.engine.begin() as conn:
            conn.execute(sa.insert(RunLogLine), lines)
    except Exception:  # the log must never fail the run it describes
        logging.getLogger(__name__).warning(
            "could not store %d log line(s) of run(s) %s", len(lines), run_ids
        )


def lines_query(run_id: int) -> sa.Select[Any]:
    return sa.select(RunLogLine).where(RunLogLine.run_id == run_id).order_by(RunLogLine.id)


def as_text(line: RunLogLine) -> str:
    """One line as the console writes it, run id included."""
    at = line.logged_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
    return f"{at}Z {line.level} {line.logger}: [run {line.run_id}] {line.message}"
