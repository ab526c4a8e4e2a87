"""The console's log lines: `LOG_FORMAT=text` (for people) or `json` (one JSON object a line, for
a log collector), the same for the app's loggers and gunicorn's error and access logs.

A JSON line holds `time` (UTC, ISO 8601), `level`, `logger`, `message`, `process` (pid), `run_id`
while a job runs, and `exc_info` (the traceback) when there is one. gunicorn's access lines add
`client`, `method`, `path`, `status`, `bytes`, `duration_ms`, `user_agent`, and their message is
`METHOD path status`: no query string (a search may name a patient), no cookie, no Authorization
header, no request body.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(run)s%(message)s"

# gunicorn's access-log atoms (its `safe_atoms`) kept as fields, under names people read.
ACCESS_FIELDS = {
    "h": "client",
    "m": "method",
    "U": "path",
    "s": "status",
    "B": "bytes",
    "M": "duration_ms",
    "a": "user_agent",
}


class JsonFormatter(_JsonFormatter):
    """One JSON object per line with the fields the module docstring lists."""

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        log_data["time"] = datetime.fromtimestamp(record.created, UTC).isoformat(
            timespec="milliseconds"
        )
        log_data["level"] = record.levelname
        log_data["logger"] = record.name
        log_data["message"] = record.message
        log_data["process"] = record.process
        run_id = getattr(record, "run_id", None)
        if run_id is not None:
            log_data["run_id"] = run_id
        if record.name == "gunicorn.access" and isinstance(record.args, Mapping):
            fields = _access_fields(record.args)
            log_data.update(fields)
            # Not the request line: its query string may hold a search for a person's name.
            log_data["message"] = " ".join(
                str(fields.get(name, "-")) for name in ("method", "path", "status")
            )
        log_data.update(message_dict)  # exc_info, stack_info


def _access_fields(atoms: Mapping[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for atom, name in ACCESS_FIELDS.items():
        value = atoms.get(atom)
        if value in (None, "-"):
            continue
        fields[name] = int(value) if atom in ("s", "B", "M") and str(value).isdigit() else value
    return fields


def formatter(log_format: str) -> logging.Formatter:
    """The formatter of LOG_FORMAT (`text` or `json`; config.py has validated it)."""
    return JsonFormatter() if log_format == "json" else logging.Formatter(TEXT_FORMAT)
