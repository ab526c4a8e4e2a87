"""The jobs sources plug in: `@register("portal")` adds a runner under a source's name, `follow`
makes a completed run of one source start a run of another. The engine (`jobs.engine`, which
re-exports these names) looks runners up here and knows nothing else about them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from merge import MergeCounts
from reporting import Reporter


@dataclass
class JobContext:
    run_id: int
    reporter: Reporter
    settings: Any
    counts: MergeCounts = field(default_factory=MergeCounts)


JobRunner = Callable[[JobContext], None]
runners: dict[str, JobRunner] = {}


@dataclass(frozen=True)
class _Follower:
    source: str
    when: Callable[[Any], bool]  # the app's settings → start it this time?


_followers: dict[str, list[_Follower]] = {}


def register(source: str) -> Callable[[JobRunner], JobRunner]:
    def decorator(runner: JobRunner) -> JobRunner:
        runners[source] = runner
        return runner

    return decorator


def unregister(source: str) -> None:
    """Forget a source's runner; a no-op for a source never registered (tests use this)."""
    runners.pop(source, None)


@contextmanager
def registered(source: str, runner: JobRunner) -> Iterator[None]:
    """Run `source` with `runner` inside the block, then restore what was registered before
    (tests stand in for a real source this way)."""
    previous = runners.get(source)
    runners[source] = runner
    try:
        yield
    finally:
        if previous is None:
            runners.pop(source, None)
        else:
            runners[source] = previous


def follow(after: str, source: str, *, when: Callable[[Any], bool] = lambda settings: True) -> None:
    """After each completed run of `after`, start a run of `source` when `when(settings)` says
    so, with `triggered_by` "after:<after> run <id>". In the background it starts in a thread of
    its own; after a foreground run (the CLI) it runs next in the foreground. When `source` is
    already running the follower is skipped (logged), like any second trigger."""
    followers = _followers.setdefault(after, [])
    followers[:] = [f for f in followers if f.source != source]
    followers.append(_Follower(source, when))


def followers_of(after: str, settings: Any) -> tuple[str, ...]:
    """The sources a completed run of `after` starts under these settings."""
    return tuple(f.source for f in _followers.get(after, ()) if f.when(settings))


def sources() -> tuple[str, ...]:
    return tuple(sorted(runners))
