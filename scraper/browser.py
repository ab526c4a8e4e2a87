"""Starting a browser for the scrapers: local headless Chromium, or any remote WebDriver / Grid.

Paths and URLs arrive as arguments (the app's settings reader maps CHROME_BINARY,
CHROMEDRIVER_PATH, SELENIUM_REMOTE_URL and SELENIUM_HEADLESS onto them); nothing here reads the
environment. Selenium's own driver manager is never used: it downloads, and we may be offline.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from typing import Any

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.remote.webdriver import WebDriver
from urllib3.exceptions import HTTPError as ConnectionProblem

INSTALL_HINT = (
    "Install Chromium and its driver (Debian/Ubuntu: apt-get install chromium chromium-driver), "
    "or set CHROME_BINARY and CHROMEDRIVER_PATH to where they are, "
    "or set SELENIUM_REMOTE_URL to a Selenium Grid / remote WebDriver."
)
CHROMEDRIVER_LOCATIONS = ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver")
CHROMEDRIVER_NAMES = ("chromedriver",)
CHROME_LOCATIONS = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
CHROME_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Quiet, container-friendly Chromium: no sandbox (containers run as root), no GPU, no /dev/shm
# (often tiny in containers), and none of the background traffic an offline machine cannot serve.
BROWSER_FLAGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1280,1024",
)
PAGE_LOAD_TIMEOUT_SECONDS = 60
# Chromium's network errors (net::ERR_… in its messages), in plain words.
NET_ERRORS = {
    "ERR_NAME_NOT_RESOLVED": "the name did not resolve",
    "ERR_CONNECTION_REFUSED": "the connection was refused",
    "ERR_CONNECTION_TIMED_OUT": "it did not answer in time",
    "ERR_TIMED_OUT": "it did not answer in time",
    "ERR_ADDRESS_UNREACHABLE": "the network is unreachable",
    "ERR_INTERNET_DISCONNECTED": "this machine is offline",
    "ERR_CONNECTION_RESET": "the connection was reset",
    "ERR_CONNECTION_CLOSED": "the connection closed before an answer",
    "ERR_EMPTY_RESPONSE": "the connection closed before an answer",
    "ERR_UNSAFE_PORT": "Chromium refuses to connect to that port (it counts it as unsafe)",
}
# Some failures do not raise: Chromium shows its own error page instead. Its code, or None.
ERROR_PAGE_CODE = (
    "return location.href.startsWith('chrome-error:') "
    "? ((document.querySelector('.error-code') || {}).textContent || 'ERR_FAILED') : null;"
)


class BrowserUnavailable(RuntimeError):
    """No browser could be started; the message says what to install or set."""

    failure = "No browser could be started on this server"


class PageUnreachable(RuntimeError):
    """The browser could not load a page at all; the message says what failed and what to check."""

    failure = "Could not reach the portal"


def open_page(driver: WebDriver, url: str, *, name: str, setting: str) -> None:
    """`driver.get(url)`, with a network failure worded for people: "Could not reach the portal
    at http://…: the name did not resolve. Check PORTAL_BASE_URL and …". The original error
    stays chained (and so in the log)."""
    try:
        driver.get(url)
    except WebDriverException as error:
        found = re.search(r"net::(ERR_[A-Z_]+)", error.msg or str(error))
        if found is None:
            raise
        raise _unreachable(found.group(1), url, name, setting) from error
    code = driver.execute_script(ERROR_PAGE_CODE)
    if code:
        raise _unreachable(code.strip().removeprefix("net::"), url, name, setting)


def _unreachable(code: str, url: str, name: str, setting: str) -> PageUnreachable:
    reason = NET_ERRORS.get(code, f"the browser could not load it ({code})")
    if "CERT" in code or "SSL" in code:
        reason = "the secure (TLS) connection failed"
    return PageUnreachable(
        f"Could not reach {name} at {url}: {reason}. "
        f"Check {setting} and this machine's network access."
    )


class LocalChromium(webdriver.Chrome):
    """Chrome driver that removes its throw-away profile directory when it quits."""

    def __init__(self, profile_dir: str, **kwargs: Any) -> None:
        self.profile_dir = profile_dir
        super().__init__(**kwargs)

    def quit(self) -> None:
        try:
            super().quit()
        finally:
            shutil.rmtree(self.profile_dir, ignore_errors=True)


def make_driver(
    headless: bool = True,
    remote_url: str | None = None,
    chrome_binary: str | None = None,
    chromedriver_path: str | None = None,
) -> WebDriver:
    """A ready WebDriver; the caller must `quit()` it. Raises `BrowserUnavailable`."""
    options = webdriver.ChromeOptions()
    if headless:
        options.add_argument("--headless=new")
    for flag in BROWSER_FLAGS:
        options.add_argument(flag)
    if remote_url:
        return _remote_driver(remote_url, options)

    options.binary_location = find_executable(
        "Chromium", "CHROME_BINARY", chrome_binary, CHROME_LOCATIONS, CHROME_NAMES
    )
    driver_path = find_executable(
        "chromedriver", "CHROMEDRIVER_PATH", chromedriver_path, CHROMEDRIVER_LOCATIONS,
        CHROMEDRIVER_NAMES,
    )  # fmt: skip
    profile_dir = tempfile.mkdtemp(prefix="medsync-chromium-")
    options.add_argument(f"--user-data-dir={profile_dir}")
    try:
        driver = LocalChromium(
            profile_dir, service=Service(executable_path=driver_path), options=options
        )
    except WebDriverException as error:
        shutil.rmtree(profile_dir, ignore_errors=True)
        raise BrowserUnavailable(
            f"Could not start {options.binary_location} with {driver_path}: "
            f"{_first_line(error)}. {INSTALL_HINT}"
        ) from error
    driver.set_page_load_timeout(PAGE_LOAD_TIMEOUT_SECONDS)
    return driver


def find_executable(
    what: str,
    setting: str,
    explicit: str | None,
    locations: tuple[str, ...],
    names: tuple[str, ...],
) -> str:
    """The explicit path if given (it must exist), else the first known location or PATH hit."""
    if explicit:
        if _is_executable(explicit):
            return explicit
        raise BrowserUnavailable(f"{what} not found at {explicit} ({setting}). {INSTALL_HINT}")
    for candidate in locations:
        if _is_executable(candidate):
            return candidate
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    raise BrowserUnavailable(f"{what} not found. {INSTALL_HINT}")


def _remote_driver(remote_url: str, options: webdriver.ChromeOptions) -> WebDriver:
    try:
        driver = webdriver.Remote(command_executor=remote_url, options=options)
    except WebDriverException as error:
        raise BrowserUnavailable(
            f"No browser from the remote WebDriver at {remote_url} (SELENIUM_REMOTE_URL): "
            f"{_first_line(error)}. {INSTALL_HINT}"
        ) from error
    except (ConnectionProblem, OSError) as error:  # connection refused, unknown host
        raise BrowserUnavailable(
            f"Cannot reach the remote WebDriver at {remote_url} (SELENIUM_REMOTE_URL): {error}"
        ) from error
    driver.set_page_load_timeout(PAGE_LOAD_TIMEOUT_SECONDS)
    return driver


def _is_executable(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def _first_line(error: WebDriverException) -> str:
    message = (error.msg or str(error)).strip()
    return message.splitlines()[0] if message else type(error).__name__
