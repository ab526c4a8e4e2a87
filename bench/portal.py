"""Benchmark: reading portal tables in one step per page versus one WebDriver call per cell.

    python -m bench.portal            # 1,000 rows over 10 pages; writes bench/README.md

On the same loaded pages of the sandbox portal it times (a) the scraper's way — one
`page_source` parsed with BeautifulSoup — and (b) the seed's way — `find_elements` per row and
`.text` per cell, one browser round trip each. Then it times a whole `scrape_portal` of the same
1,000 rows, browser start included. Results go to the "Portal extraction" section of
bench/README.md (other sections are left alone).
"""

from __future__ import annotations

import argparse
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from sandbox.portal import PortalState
from sandbox.server import create_sandbox_app, serve_in_thread
from scraper.browser import make_driver
from scraper.portal import (
    PortalProfile,
    go_to_next_page,
    join_url,
    load_profile,
    log_in,
    read_table_page,
    scrape_portal,
    wait_for_rows,
)

README = Path(__file__).with_name("README.md")
SECTION_TITLE = "## Portal extraction"
SPEED_UP_TARGET = 10
WHOLE_SCRAPE_TARGET_SECONDS = 15
PAGE_TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class Results:
    rows: int
    pages: int
    delay_ms: int
    one_step_seconds: float
    per_cell_seconds: float
    whole_scrape_seconds: float
    browser: str

    @property
    def speed_up(self) -> float:
        return self.per_cell_seconds / self.one_step_seconds


def cells_one_step(driver: WebDriver, profile: PortalProfile) -> list[list[str]]:
    """The scraper's way: the whole page in one call, parsed locally."""
    return [list(row.values()) for row in read_table_page(driver.page_source, profile).rows]


def cells_one_call_each(driver: WebDriver, profile: PortalProfile) -> list[list[str]]:
    """The seed's way: a WebDriver round trip for every row and every cell."""
    table = driver.find_element(By.CSS_SELECTOR, profile.table_selector)
    return [
        [cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
        for row in table.find_elements(By.CSS_SELECTOR, profile.row_selector)
    ]


def timed(read: Callable[[], list[list[str]]]) -> tuple[float, list[list[str]]]:
    started = time.perf_counter()
    cells = read()
    return time.perf_counter() - started, cells


def compare_extraction(
    base_url: str, state: PortalState, profile: PortalProfile
) -> tuple[float, float, int, str]:
    """Both ways on each loaded page; page loads and waits are not counted."""
    driver = make_driver()
    one_step_total = per_cell_total = 0.0
    rows_read = 0
    try:
        browser = f"{driver.capabilities['browserName']} {driver.capabilities['browserVersion']}"
        log_in(driver, profile, base_url, state.username, state.password, PAGE_TIMEOUT_SECONDS)
        driver.get(join_url(base_url, profile.table_paths[0]))
        while True:
            wait_for_rows(driver, profile, PAGE_TIMEOUT_SECONDS)
            one_step_seconds, one_step_cells = timed(lambda: cells_one_step(driver, profile))
            per_cell_seconds, per_cell_cells = timed(lambda: cells_one_call_each(driver, profile))
            if one_step_cells != per_cell_cells:
                raise AssertionError("the two ways read different cells")
            one_step_total += one_step_seconds
            per_cell_total += per_cell_seconds
            rows_read += len(one_step_cells)
            if not go_to_next_page(driver, profile, PAGE_TIMEOUT_SECONDS):
                break
    finally:
        driver.quit()
    if rows_read != len(state.rows):
        raise AssertionError(f"read {rows_read} rows, the portal has {len(state.rows)}")
    return one_step_total, per_cell_total, rows_read, browser


def time_whole_scrape(base_url: str, state: PortalState, profile: PortalProfile) -> float:
    started = time.perf_counter()
    records = scrape_portal(profile, base_url, state.username, state.password)
    elapsed = time.perf_counter() - started
    if len(records) != len(state.rows):
        raise AssertionError(f"scraped {len(records)} records, the portal has {len(state.rows)}")
    return elapsed


def run(rows: int, page_size: int, delay_ms: int) -> Results:
    state = PortalState(rows=rows, page_size=page_size, delay_ms=delay_ms)
    profile = load_profile("sandbox")
    server_url, shutdown = serve_in_thread(create_sandbox_app(state))
    base_url = f"{server_url}/portal"
    try:
        one_step, per_cell, rows_read, browser = compare_extraction(base_url, state, profile)
        whole_scrape = time_whole_scrape(base_url, state, profile)
    finally:
        shutdown()
    return Results(
        rows=rows_read,
        pages=state.page_count,
        delay_ms=delay_ms,
        one_step_seconds=one_step,
        per_cell_seconds=per_cell,
        whole_scrape_seconds=whole_scrape,
        browser=browser,
    )


def results_table(results: Results) -> str:
    speed_up_met = "met" if results.speed_up >= SPEED_UP_TARGET else "MISSED"
    scrape_met = "met" if results.whole_scrape_seconds < WHOLE_SCRAPE_TARGET_SECONDS else "MISSED"
    lines = [
        "| Measure | Result | Target |",
        "|---|---:|---|",
        f"| Extract {results.rows:,} rows, one step per page (`page_source` + BeautifulSoup) "
        f"| {results.one_step_seconds:.2f} s | |",
        f"| Extract {results.rows:,} rows, one WebDriver call per cell "
        f"| {results.per_cell_seconds:.2f} s | |",
        f"| Speed-up | {results.speed_up:.0f}× | ≥ {SPEED_UP_TARGET}× ({speed_up_met}) |",
        f"| Whole scrape of {results.rows:,} rows, browser start included "
        f"| {results.whole_scrape_seconds:.2f} s "
        f"| < {WHOLE_SCRAPE_TARGET_SECONDS} s ({scrape_met}) |",
    ]
    return "\n".join(lines)


def readme_section(results: Results) -> str:
    return (
        f"{SECTION_TITLE}\n\n"
        "`python -m bench.portal` starts the sandbox portal with "
        f"{results.rows:,} authorizations over {results.pages} pages, rows drawn "
        f"{results.delay_ms} ms after each page loads, and reads it in headless "
        f"{results.browser} ({os.cpu_count()} CPUs, {date.today().isoformat()}).\n"
        "Extraction times count only reading already-loaded pages (both ways on the same pages, "
        "results compared cell by cell); the whole scrape counts everything from starting the "
        f"browser to the last record, including the {results.pages} × {results.delay_ms} ms the "
        "portal makes every scraper wait.\n\n"
        f"{results_table(results)}\n"
    )


def write_readme_section(section: str, readme: Path = README) -> None:
    """Replace (or add) this benchmark's section, keeping every other section as it is."""
    text = readme.read_text(encoding="utf-8") if readme.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(SECTION_TITLE)}\n.*?(?=^## |\Z)", re.DOTALL | re.MULTILINE)
    if pattern.search(text):
        text = pattern.sub(lambda _: section + "\n", text, count=1)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    readme.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.portal", description=__doc__)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--delay-ms", type=int, default=300)
    parser.add_argument("--no-write", action="store_true", help="print only; leave README.md")
    args = parser.parse_args(argv)
    results = run(args.rows, args.page_size, args.delay_ms)
    print(results_table(results))
    if not args.no_write:
        write_readme_section(readme_section(results))
        print(f"\nWritten to {README}")


if __name__ == "__main__":
    main()
