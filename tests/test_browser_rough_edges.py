"""Rough edges seen in the trial (issue #10, item 7), each kept fixed in a real browser at
1,400 × 900: the Runs chart's ticks, axes and encodings, the run history fitting the screen, the
Overview's sync cards, the progress panel, the sync toast and an analytics run's result."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC

import accounts
from database import db
from jobs import engine
from models import Run, utcnow
from tests.fixtures.app import TEST_PASSWORD
from tests.fixtures.browser import sign_in, wait

SHOTS = Path("/tmp/shots")
LONG_ERROR = (
    "Could not reach the portal at portal.example.com: HTTPSConnectionPool(host='portal.example"
    ".com', port=443): Max retries exceeded with url: /login (Caused by NewConnectionError("
    "'Failed to establish a new connection: [Errno 111] Connection refused'))"
)
# Round durations in one format, as the log scale's ticks must read.
ROUND_DURATIONS = {"0.1 s", "0.5 s", "1 s", "5 s", "10 s", "30 s", "1 min", "5 min", "10 min"}
ROUND_DURATIONS |= {"30 min", "1 h", "5 h", "10 h"}


def shoot(browser, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    browser.save_screenshot(str(SHOTS / f"{name}.png"))


def add_run(source: str, started, seconds: float, status: str = "completed", **fields) -> Run:
    run = Run(
        source=source,
        status=status,
        triggered_by=fields.pop("triggered_by", "schedule"),
        created_at=started,
        started_at=started,
        completed_at=started + timedelta(seconds=seconds),
        duration_seconds=seconds,
        **fields,
    )
    db.session.add(run)
    return run


def a_day_of_runs() -> list[Run]:
    """Seven portal runs (seconds) and seven DailyMed runs (minutes) over the last 20 hours."""
    start = utcnow() - timedelta(hours=20)
    runs = []
    for i in range(7):
        when = start + timedelta(hours=3 * i)
        failed = i == 3
        runs.append(
            add_run(
                "portal",
                when,
                12 + i,
                "failed" if failed else "completed",
                error_message=LONG_ERROR if failed else None,
                triggered_by="schedule:DailyMed, then portal sync",
            )
        )
        runs.append(add_run("dailymed", when + timedelta(minutes=5), 400 + 30 * i))
    db.session.commit()
    return runs


@pytest.fixture
def vera(app):
    return accounts.create_user("vera", TEST_PASSWORD, "viewer")


def open_runs(browser, live_server: str) -> None:
    browser.set_window_size(1400, 900)
    sign_in(browser, live_server, "vera")
    browser.get(f"{live_server}/#/runs")
    wait(browser).until(
        lambda b: b.find_element(By.ID, "runs-chart").get_attribute("data-rendered") == "true"
    )


CHART = "return Chart.getChart(document.getElementById('runs-chart'))"


def test_a_day_of_runs_has_distinct_hourly_ticks_ending_at_the_last_run(browser, live_server, vera):
    runs = a_day_of_runs()
    open_runs(browser, live_server)
    x = browser.execute_script(
        f"const s = ({CHART.removeprefix('return ')}).scales.x;"
        "return {labels: s.ticks.map(t => [].concat(t.label).join(' ')), max: s.max,"
        " title: s.options.title.display && s.options.title.text}"
    )
    labels = x["labels"]
    assert len(labels) >= 4 and len(set(labels)) == len(labels)  # not "Nov 30" seven times
    assert all(":" in label for label in labels)  # hours of the day, for a day of runs
    assert x["title"] == "Started (local time)"
    last = max(r.started_at for r in runs).timestamp() * 1000
    assert x["max"] - last < 60 * 60 * 1000  # no empty future beyond the last run
    shoot(browser, "runs-chart-one-day")


def test_log_scale_ticks_are_round_durations_in_one_format(browser, live_server, vera):
    a_day_of_runs()
    open_runs(browser, live_server)
    y = browser.execute_script(
        f"const s = ({CHART.removeprefix('return ')}).scales.y;"
        "return {type: s.type, labels: s.ticks.map(t => t.label), title: s.options.title.text}"
    )
    assert y["type"] == "logarithmic" and y["title"] == "Duration (log scale)"
    assert len(y["labels"]) >= 3 and set(y["labels"]) <= ROUND_DURATIONS, y["labels"]


def test_colour_says_the_outcome_and_shape_the_source(browser, live_server, vera):
    a_day_of_runs()
    open_runs(browser, live_server)
    datasets = browser.execute_script(
        f"return ({CHART.removeprefix('return ')}).data.datasets.map(d => ({{"
        "source: d.source, line: d.borderColor, shape: d.pointStyle,"
        " colours: d.data.map(p => d.pointBackgroundColor({raw: p}))}))"
    )
    assert len({d["line"] for d in datasets}) == 1  # the line joins; it encodes nothing
    assert len({d["shape"] for d in datasets}) == len(datasets)  # one shape per source
    portal = next(d for d in datasets if d["source"] == "portal")
    assert len(set(portal["colours"])) == 2  # completed and failed, by colour alone
    legend = browser.find_element(By.CSS_SELECTOR, "[data-chart-legend]")
    sources = legend.find_elements(By.CSS_SELECTOR, "[data-legend-source]")
    assert {s.get_attribute("data-legend-source") for s in sources} == {"portal", "dailymed"}
    assert "Failed" in legend.text


def test_the_run_history_fits_1400_px_and_long_errors_sit_behind_a_tooltip(
    browser, live_server, vera
):
    a_day_of_runs()
    open_runs(browser, live_server)
    wait(browser).until(
        lambda b: len(b.find_elements(By.CSS_SELECTOR, "#runs-table tr[data-run-id]")) == 14
    )
    overflow = browser.execute_script(
        "const box = document.getElementById('runs-table').parentElement;"
        "return box.scrollWidth - box.clientWidth"
    )
    assert overflow <= 0  # no horizontal scrollbar
    cell = browser.find_element(By.CSS_SELECTOR, "#runs-table [data-run-error-cell]")
    assert cell.get_attribute("title") == LONG_ERROR  # the whole error, on hover
    assert browser.execute_script(
        "const e = arguments[0]; return e.scrollWidth > e.clientWidth"
        " && getComputedStyle(e).textOverflow === 'ellipsis'",
        cell,
    )
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", cell)
    shoot(browser, "runs-history-1400")


def test_the_overview_sync_cards_line_up_and_say_what_a_run_did(browser, live_server, app):
    a_day_of_runs()
    now = utcnow()
    add_run("portal", now - timedelta(seconds=14), 14, "failed", error_message=LONG_ERROR)
    add_run(
        "dailymed",
        now - timedelta(seconds=420),
        420,
        records_found=45,
        records_unchanged=44,
        records_kept_manual=1,
    )  # nothing saved: the one difference was a person's edit, kept
    db.session.commit()
    accounts.create_user("edna", TEST_PASSWORD, "editor")
    browser.set_window_size(1400, 900)
    sign_in(browser, live_server, "edna")
    dailymed = wait(browser).until(
        lambda b: b.find_element(By.CSS_SELECTOR, '[data-stat="last_sync_dailymed"]')
    )
    wait(browser).until(lambda _: "edit kept" in dailymed.text)
    assert "45 found · no changes; 1 edit kept" in dailymed.text  # not "0 saved"

    buttons = [
        browser.find_element(By.ID, f"overview-sync-{source}-button").rect
        for source in ("portal", "dailymed")
    ]
    assert buttons[0]["y"] == buttons[1]["y"]  # the cards line up, error or not
    error = browser.find_element(
        By.CSS_SELECTOR, '[data-stat="last_sync_portal"] [data-sync-error]'
    )
    assert error.get_attribute("title") == LONG_ERROR
    assert browser.execute_script(
        "const e = arguments[0], card = e.closest('[data-stat]');"
        "return e.scrollHeight > e.clientHeight && e.getBoundingClientRect().right"
        " <= card.getBoundingClientRect().right",
        error,
    )  # clamped to two lines, inside the card

    rate = browser.find_element(By.CSS_SELECTOR, '[data-stat="success_rate"]')
    assert "in the last 30 days" in rate.text
    assert rate.find_element(By.CSS_SELECTOR, "a[data-stat-link=runs]").text == "Open runs"
    links = [a.text for a in browser.find_elements(By.CSS_SELECTOR, "a[data-stat-link]")]
    assert links and all(text.startswith("Open ") for text in links)  # one wording
    browser.execute_script("document.getElementById('overview-health').scrollIntoView()")
    shoot(browser, "overview-sync-cards")


class SlowPortal:
    """A portal sync that stands in for the real one: the first run reads 7 of 7 pages at once,
    every later run waits for `release` before it reads anything."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.calls = 0

    def __call__(self, ctx: engine.JobContext) -> None:
        self.calls += 1
        if self.calls == 1:
            ctx.reporter.progress(7, 7, "reading portal pages")
            return
        self.release.wait(30)


@pytest.fixture
def slow_portal(app) -> Iterator[SlowPortal]:
    portal = SlowPortal()
    with engine.registered("portal", portal):
        try:
            yield portal
        finally:
            portal.release.set()  # no job thread outlives the test


@pytest.fixture
def edna(app):
    return accounts.create_user("edna", TEST_PASSWORD, "editor")


# Every text the Overview's portal panel shows, recorded as it changes.
RECORD_PANEL = """
const panel = document.querySelector('[data-stat=last_sync_portal] [data-sync-panel=portal]');
window.shown = [];
new MutationObserver(() => window.shown.push(panel.hidden ? '' : panel.textContent))
  .observe(panel, {subtree: true, childList: true, characterData: true, attributes: true});
"""


def panel_state(browser) -> str:
    return browser.find_element(
        By.CSS_SELECTOR, "[data-stat=last_sync_portal] [data-sync-panel=portal]"
    ).get_attribute("data-state")


def test_a_new_run_never_shows_the_last_runs_figures(browser, live_server, edna, slow_portal):
    browser.set_window_size(1400, 900)
    sign_in(browser, live_server, "edna")
    button = wait(browser).until(lambda b: b.find_element(By.ID, "overview-sync-portal-button"))
    button.click()
    wait(browser).until(lambda b: panel_state(b) == "completed")
    wait(browser).until(lambda b: b.find_element(By.ID, "overview-sync-portal-button").is_enabled())
    browser.execute_script(RECORD_PANEL)

    browser.find_element(By.ID, "overview-sync-portal-button").click()
    wait(browser).until(lambda b: panel_state(b) == "running")
    shoot(browser, "overview-sync-starting")
    shown = browser.execute_script("return window.shown")
    assert shown and not [text for text in shown if "7 of 7" in text], shown
    assert not browser.find_elements(By.CSS_SELECTOR, '[data-toast="success"]')  # the panel said it


def read_to_the_end(browser) -> bool:
    """An explicit wait: the page is scrolled to its end (again, if it grew meanwhile)."""
    return browser.execute_script(
        "const page = document.scrollingElement; window.scrollTo(0, page.scrollHeight);"
        "return page.scrollTop + window.innerHeight >= page.scrollHeight - 2"
    )


def clear_of_the_toasts(browser) -> bool:
    """The last row and the pager end above the toast region's toasts."""
    toasts = browser.find_elements(By.CSS_SELECTOR, "#toasts [data-toast]")
    assert toasts, "the toast went away before the page made room for it"
    top = min(t.rect["y"] for t in toasts)
    last_row = browser.find_elements(By.CSS_SELECTOR, "#runs-table tr[data-run-id]")[-1]
    pager = browser.find_element(By.CSS_SELECTOR, "#view-runs .table-footer")
    return all(e.rect["y"] + e.rect["height"] <= top for e in (last_row, pager))


def test_the_result_toast_leaves_the_last_rows_of_a_table_in_view(
    browser, live_server, edna, slow_portal
):
    slow_portal.calls = 1  # every run waits for the release
    a_day_of_runs()
    browser.set_window_size(1400, 900)
    sign_in(browser, live_server, "edna")
    wait(browser).until(lambda b: b.find_element(By.ID, "overview-sync-portal-button")).click()
    wait(browser).until(lambda b: panel_state(b) == "running")
    browser.get(f"{live_server}/#/runs")
    wait(browser).until(
        lambda b: len(b.find_elements(By.CSS_SELECTOR, "#runs-table tr[data-run-id]")) == 15
    )
    wait(browser).until(read_to_the_end)
    slow_portal.release.set()  # the run ends while the Runs screen is read to its end

    toast = wait(browser).until(  # visible: it fades in, and a transparent one reads as ""
        EC.visibility_of_element_located((By.CSS_SELECTOR, '#toasts [data-toast="success"]'))
    )
    assert "Portal sync completed" in toast.text  # no panel on this screen: the toast says it
    wait(browser).until(clear_of_the_toasts)  # the table redraws after the sync: look again
    shoot(browser, "runs-toast-clear-of-rows")


def test_an_analytics_run_is_reported_as_analyses_stored(browser, live_server, vera):
    sign_in(browser, live_server, "vera")
    message = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "import('/static/js/sync.js').then(m => done(m.runResult({source: 'analytics',"
        " status: 'completed', records_found: 8, records_inserted: 8}).message));"
    )
    assert message == "Analytics run completed: 8 analyses stored"
