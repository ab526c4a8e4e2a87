"""gunicorn's logger with JSON lines (LOG_FORMAT=json): gunicorn.conf.py names it by its dotted
path, so only a gunicorn master imports it (a process that has imported gunicorn counts as a
server: app.py's `_serving`)."""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger  # type: ignore[import-untyped]  # no stubs published

from observability.logs import JsonFormatter


class JsonLogger(Logger):
    """gunicorn's error and access logs as JSON lines, the fields of observability/logs.py."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for handler in [*self.error_log.handlers, *self.access_log.handlers]:
            handler.setFormatter(JsonFormatter())
