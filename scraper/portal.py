"""Portal scraper: log in to a payer portal, walk its table pages, return plain records.

Everything that differs between portals lives in a profile (built-in `scraper/profiles/*.json`,
or any JSON file of the same shape), so no selector lives in code. The scraper waits explicitly
for what it needs, reads each table page in one step (`page_source` parsed with BeautifulSoup),
always quits the browser, and never touches the database.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal, TypeVar

from bs4 import BeautifulSoup, Tag
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from reporting import Reporter
from scraper.browser import make_driver, open_page
from scraper.portal_profile import (
    PLACEHOLDER,
    REQUIRED_FIELDS,
    PortalProfile,
    ProfileError,
    load_profile,
)

__all__ = [
    "AuthorizationRecord",
    "DuplicateKey",
    "LoginFailed",
    "PortalProfile",
    "ProfileError",
    "ScrapeError",
    "TableNotFound",
    "load_profile",
    "scrape_portal",
]
STALE_ELEMENT_ATTEMPTS = 3
WAIT_POLL_SECONDS = 0.05
T = TypeVar("T")


class ScrapeError(RuntimeError):
    """The portal did not look the way the profile says."""

    failure = "The portal's page changed shape: it no longer looks the way the profile says"


class LoginFailed(ScrapeError):
    """The portal refused the credentials; the message carries the portal's own text."""

    failure = "The portal refused the login: check PORTAL_USERNAME and PORTAL_PASSWORD"


class TableNotFound(ScrapeError):
    """No element matched the profile's table selector."""

    failure = "The portal's page changed shape: the table the profile names is not there"


class DuplicateKey(ScrapeError):
    """Two source rows produced the same key; merging them would lose one."""

    failure = "The portal listed two rows with the same key, so neither was saved"


@dataclass(frozen=True)
class AuthorizationRecord:
    key: str
    patient_name: str
    authorization_number: str
    status: str
    payer: str | None
    service_start: date | None
    service_end: date | None
    amount: str | None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TablePage:
    rows: list[dict[str, str]]  # header text -> cell text, one dict per source row
    page_count: int | None


def read_table_page(html: str, profile: PortalProfile) -> TablePage:
    """Every row of the profile's table in `html`, parsed in one pass (no WebDriver calls)."""
    soup = BeautifulSoup(html, "lxml")
    table = soup.select_one(profile.table_selector)
    if table is None:
        raise TableNotFound(f"No table matching '{profile.table_selector}' on the page")
    headers = _header_texts(table)
    rows = []
    for line in table.select(profile.row_selector):
        cells = line.find_all(["td", "th"], recursive=False)
        if not cells or all(cell.name == "th" for cell in cells) or _is_message_row(cells):
            continue
        texts = [cell.get_text(" ", strip=True) for cell in cells]
        rows.append(dict(zip(headers, texts, strict=False)))
    return TablePage(rows=rows, page_count=_page_count(soup, profile.page_count_selector))


def record_from_row(
    row: Mapping[str, str], profile: PortalProfile, where: str, warn: Callable[[str], None]
) -> AuthorizationRecord:
    """Map one source row onto an `AuthorizationRecord` as the profile says."""
    values = {name: _fill(template, row, name, where) for name, template in profile.fields.items()}
    for name in REQUIRED_FIELDS:
        if not values[name]:
            raise ScrapeError(f"{where}: {name} is empty (template '{profile.fields[name]}')")
    key_parts = [_fill(f"{{{column}}}", row, "key", where) for column in profile.key_columns]
    if not all(key_parts):
        raise ScrapeError(f"{where}: a key column ({', '.join(profile.key_columns)}) is empty")
    status_text = values.get("status") or ""
    status = profile.status_for(status_text) if status_text else profile.default_status
    if status is None:
        warn(f"{where}: unknown status '{status_text}', recorded as {profile.default_status}")
        status = profile.default_status
    mapped = profile.mapped_columns
    return AuthorizationRecord(
        key=" | ".join(key_parts),
        patient_name=values["patient_name"],
        authorization_number=values["authorization_number"],
        status=status,
        payer=values.get("payer") or None,
        service_start=_date(values.get("service_start"), profile, where),
        service_end=_date(values.get("service_end"), profile, where),
        amount=values.get("amount") or None,
        extra={column: text for column, text in row.items() if column not in mapped},
    )


def _header_texts(table: Tag) -> list[str]:
    cells = table.select("thead th") or table.select("tr:first-child th")
    return [cell.get_text(" ", strip=True) or f"column {n}" for n, cell in enumerate(cells, 1)]


def _is_message_row(cells: list[Tag]) -> bool:
    """A single cell spanning the table ("No records", "Loading…") is not a data row."""
    colspan = cells[0].get("colspan")
    return (
        len(cells) == 1
        and isinstance(colspan, str)
        and colspan.strip().isdigit()
        and int(colspan) > 1
    )


def _page_count(soup: BeautifulSoup, selector: str | None) -> int | None:
    element = soup.select_one(selector) if selector else None
    numbers = re.findall(r"\d+", element.get_text(" ")) if element else []
    return int(numbers[-1]) if numbers else None


def _fill(template: str, row: Mapping[str, str], field_name: str, where: str) -> str:
    def cell(match: re.Match[str]) -> str:
        column = match.group(1)
        if column not in row:
            raise ScrapeError(
                f"{where}: column '{column}' (used by {field_name}) is not in the table; "
                f"its columns are {', '.join(row) or 'none'}"
            )
        return row[column]

    return " ".join(PLACEHOLDER.sub(cell, template).split())


def _date(text: str | None, profile: PortalProfile, where: str) -> date | None:
    if not text:
        return None
    for date_format in profile.date_formats:
        try:
            return datetime.strptime(text, date_format).date()
        except ValueError:
            continue
    raise ScrapeError(
        f"{where}: date '{text}' matches none of the profile's date_formats "
        f"({', '.join(profile.date_formats) or 'none given'})"
    )


def scrape_portal(
    profile: PortalProfile | str,
    base_url: str,
    username: str,
    password: str,
    *,
    driver_factory: Callable[[], WebDriver] = make_driver,
    reporter: Reporter | None = None,
    page_timeout: float = 20.0,
) -> list[AuthorizationRecord]:
    """Log in and read every table page the profile names; one record per source row.

    `driver_factory` starts the browser, e.g. `functools.partial(make_driver, headless=False)`.
    `page_timeout` bounds each explicit wait. The browser quits however this ends.
    """
    profile = profile if isinstance(profile, PortalProfile) else load_profile(profile)
    reporter = reporter or Reporter()
    reporter.progress(0, None, "starting browser", phase="reading", unit="pages")
    driver = driver_factory()
    try:
        reporter.progress(0, None, "logging in", phase="reading", unit="pages")
        log_in(driver, profile, base_url, username, password, page_timeout)
        records: list[AuthorizationRecord] = []
        first_seen: dict[str, str] = {}
        pages_done, total = 0, None
        for path_number, path in enumerate(profile.table_paths, 1):
            reporter.checkpoint()
            url = join_url(base_url, path)
            open_page(driver, url, name="the portal", setting="PORTAL_BASE_URL")
            pages_before_path = pages_done
            while True:
                reporter.progress(
                    pages_done,
                    total,
                    f"reading page {pages_done + 1}",
                    phase="reading",
                    unit="pages",
                )
                page = read_table_page(wait_for_rows(driver, profile, page_timeout), profile)
                pages_done += 1
                if page.page_count is not None:
                    remaining_paths = len(profile.table_paths) - path_number
                    total = pages_before_path + page.page_count + remaining_paths
                for row_number, row in enumerate(page.rows, 1):
                    where = f"page {pages_done}, row {row_number}"
                    record = record_from_row(row, profile, where, reporter.warn)
                    _refuse_duplicate_key(record.key, where, first_seen, profile)
                    records.append(record)
                reporter.checkpoint()
                if not go_to_next_page(driver, profile, page_timeout):
                    break
        reporter.progress(
            pages_done,
            pages_done,
            f"read {len(records)} rows from {pages_done} pages",
            phase="reading",
            unit="pages",
        )
        return records
    finally:
        _quit_quietly(driver)


def _refuse_duplicate_key(
    key: str, where: str, first_seen: dict[str, str], profile: PortalProfile
) -> None:
    """Remember where `key` was seen; two rows with one key would silently become one record."""
    if key in first_seen:
        raise DuplicateKey(
            f"Two rows have the key '{key}' ({first_seen[key]} and {where}); the profile's key "
            f"({', '.join(profile.key_columns)}) must be unique per row"
        )
    first_seen[key] = where


def log_in(
    driver: WebDriver,
    profile: PortalProfile,
    base_url: str,
    username: str,
    password: str,
    timeout: float,
) -> None:
    """Submit the login form; raise `LoginFailed` with the portal's message if it refuses."""
    login_url = join_url(base_url, profile.login_path)
    open_page(driver, login_url, name="the portal", setting="PORTAL_BASE_URL")
    wait = _waiting(driver, timeout)
    try:
        wait.until(_present(profile.username_selector))
    except TimeoutException:
        raise ScrapeError(
            f"No login form on {login_url}: nothing matches '{profile.username_selector}'"
        ) from None

    def fill_and_submit() -> list[WebElement]:
        shown_before = driver.find_elements(By.CSS_SELECTOR, profile.error_selector)
        shown_before += driver.find_elements(By.CSS_SELECTOR, profile.success_selector)
        for selector, value in (
            (profile.username_selector, username),
            (profile.password_selector, password),
        ):
            box = driver.find_element(By.CSS_SELECTOR, selector)
            box.clear()
            box.send_keys(value)
        driver.find_element(By.CSS_SELECTOR, profile.submit_selector).click()
        return shown_before

    shown_before = retry_stale(fill_and_submit)

    def outcome(_: WebDriver) -> tuple[bool, str] | Literal[False]:
        for succeeded, selector in (
            (True, profile.success_selector),
            (False, profile.error_selector),
        ):
            for element in driver.find_elements(By.CSS_SELECTOR, selector):
                if element not in shown_before:  # a message left from before the submit is old
                    return succeeded, element.text
        return False  # not yet: WebDriverWait asks again

    try:
        succeeded, message = wait.until(outcome)
    except TimeoutException:
        raise LoginFailed(
            f"Login failed: after {timeout:g}s neither '{profile.success_selector}' nor "
            f"'{profile.error_selector}' appeared on {driver.current_url}"
        ) from None
    if not succeeded:
        raise LoginFailed(f"Login failed: {_flash_text(message)}")


def wait_for_rows(driver: WebDriver, profile: PortalProfile, timeout: float) -> str:
    """Wait until the table's rows are ready, then return the page's HTML."""
    ready_selector = profile.rows_ready_selector or profile.table_selector
    try:
        _waiting(driver, timeout).until(_present(ready_selector))
    except TimeoutException:
        if driver.find_elements(By.CSS_SELECTOR, profile.table_selector):
            raise ScrapeError(
                f"The rows on {driver.current_url} were not ready after {timeout:g}s "
                f"(waited for '{ready_selector}')"
            ) from None
        raise TableNotFound(
            f"No table matching '{profile.table_selector}' on {driver.current_url} "
            f"(waited {timeout:g}s)"
        ) from None
    return driver.page_source


def go_to_next_page(driver: WebDriver, profile: PortalProfile, timeout: float) -> bool:
    """Click the next-page control if there is an enabled one and wait for the old rows to go."""
    if not profile.next_page_selector:
        return False

    def click_next() -> WebElement | None:
        controls = driver.find_elements(By.CSS_SELECTOR, profile.next_page_selector)
        if not controls or not controls[0].is_enabled():
            return None
        if controls[0].get_attribute("aria-disabled") == "true":
            return None
        table = driver.find_element(By.CSS_SELECTOR, profile.table_selector)
        old_content = (table.find_elements(By.CSS_SELECTOR, profile.row_selector) or [table])[0]
        controls[0].click()
        return old_content

    old_content = retry_stale(click_next)
    if old_content is None:
        return False
    _waiting(driver, timeout).until(expected_conditions.staleness_of(old_content))
    return True


def retry_stale(action: Callable[[], T], attempts: int = STALE_ELEMENT_ATTEMPTS) -> T:
    """Run `action`, again if the page redrew an element under it (up to `attempts` times)."""
    for attempt in range(1, attempts + 1):
        try:
            return action()
        except StaleElementReferenceException:
            if attempt == attempts:
                raise
    raise AssertionError("unreachable")


def join_url(base_url: str, path: str) -> str:
    """`base_url` + `path`, so a base of http://host/portal and a path of /login compose."""
    return base_url.rstrip("/") + "/" + path.lstrip("/")


def _waiting(driver: WebDriver, timeout: float) -> WebDriverWait:
    # Selenium polls every 0.5 s by default; on a local page that is most of the wait.
    return WebDriverWait(
        driver,
        timeout,
        poll_frequency=WAIT_POLL_SECONDS,
        ignored_exceptions=(StaleElementReferenceException,),
    )


def _present(selector: str) -> Callable[[WebDriver], Any]:
    return expected_conditions.presence_of_element_located((By.CSS_SELECTOR, selector))


def _flash_text(text: str) -> str:
    """The message without the flash's close button ("×") or stray whitespace."""
    return " ".join(text.replace("×", " ").split())


def _quit_quietly(driver: WebDriver) -> None:
    # A browser that cannot even quit must not hide the error that brought us here.
    with contextlib.suppress(Exception):
        driver.quit()
