"""What every table module shares."""

from __future__ import annotations

from datetime import datetime


def utcnow() -> datetime:
    return datetime.now().astimezone()
