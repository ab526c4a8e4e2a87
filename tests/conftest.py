"""Shared fixtures. Each area keeps its fixtures in tests/fixtures/<area>.py."""

pytest_plugins = [
    "tests.fixtures.app",
    "tests.fixtures.sandbox",
    "tests.fixtures.browser",
    "tests.fixtures.dailymed",
    "tests.fixtures.dailymed_sync",
    "tests.fixtures.analytics_runs",
    "tests.fixtures.analytics_browser",
]
