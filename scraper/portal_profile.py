"""Portal profiles: everything that differs between payer portals, kept out of the code.

A profile is JSON (built-in ones in `scraper/profiles/`, or any file of the same shape). It names
the login page and its selectors, the pages holding the table, the table / row / "rows ready" /
next-page selectors, the column -> field mapping (templates such as "{First Name} {Last Name}"),
the key columns, the status mapping and the date formats, and, under `defaults`, where the
portal lives and the demo credentials it publishes (PORTAL_BASE_URL, PORTAL_USERNAME and
PORTAL_PASSWORD override them). `load_profile` validates it; a `ProfileError` names the first bad
key. Every `*.json` file in `scraper/profiles/` is a built-in profile, named by its file name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

STATUSES = ("Pending", "Approved", "Denied", "Expired")
RECORD_FIELDS = (
    "patient_name", "authorization_number", "status", "payer", "service_start", "service_end",
    "amount",
)  # fmt: skip
REQUIRED_FIELDS = ("patient_name", "authorization_number")
PROFILE_DIR = Path(__file__).with_name("profiles")
PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


# The keys each section of a profile may hold.
PROFILE_KEYS = {
    "name", "description", "defaults", "login", "table", "fields", "key", "status", "date_formats",
}  # fmt: skip
DEFAULTS_KEYS = {"base_url", "username", "password"}
LOGIN_KEYS = {"path", "username", "password", "submit", "success", "error"}
TABLE_KEYS = {"pages", "selector", "rows", "ready", "next_page", "page_count"}
STATUS_KEYS = {"map", "default"}


class ProfileError(ValueError):
    """A profile is missing, unreadable, or has a bad key; the message names it."""

    failure = "The portal profile is missing or invalid"


@dataclass(frozen=True)
class PortalProfile:
    name: str
    login_path: str
    username_selector: str
    password_selector: str
    submit_selector: str
    success_selector: str
    error_selector: str
    table_paths: tuple[str, ...]
    table_selector: str
    row_selector: str
    rows_ready_selector: str | None
    next_page_selector: str | None
    page_count_selector: str | None
    fields: Mapping[str, str]
    key_columns: tuple[str, ...]
    status_map: Mapping[str, str]
    default_status: str
    date_formats: tuple[str, ...]
    base_url: str | None = None  # the defaults: where the portal lives …
    username: str | None = None  # … and the demo login it publishes, if any
    password: str | None = field(default=None, repr=False)

    @property
    def mapped_columns(self) -> set[str]:
        """Source columns used by a field or the key; the others go to `extra`."""
        used = set(self.key_columns)
        for template in self.fields.values():
            used.update(PLACEHOLDER.findall(template))
        return used

    def status_for(self, text: str) -> str | None:
        """The canonical status for a portal's status text, or None when unknown."""
        wanted = text.strip().casefold()
        for source, status in [*self.status_map.items(), *((s, s) for s in STATUSES)]:
            if source.casefold() == wanted:
                return status
        return None


def builtin_profiles() -> dict[str, Path]:
    """The built-in profiles by name: every JSON file in `scraper/profiles/`."""
    return {path.stem: path for path in sorted(PROFILE_DIR.glob("*.json"))}


def builtin_profile_names() -> list[str]:
    return list(builtin_profiles())


def load_profile(name_or_path: str | Path) -> PortalProfile:
    """A built-in profile by name (`the-internet`, `sandbox`) or a profile JSON file by path."""
    path = builtin_profiles().get(str(name_or_path))
    if path is None:
        path = Path(name_or_path)
        if not path.is_file():
            raise ProfileError(
                f"Unknown portal profile '{name_or_path}': use one of "
                f"{', '.join(builtin_profile_names())}, or the path of a profile JSON file"
            )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ProfileError(f"Cannot read portal profile {path}: {error}") from error
    return profile_from_dict(data, source=str(path))


def profile_from_dict(data: Any, source: str = "profile") -> PortalProfile:
    """Validate a decoded profile; a `ProfileError` names the first bad key."""
    check = _ProfileChecker(source)
    top = check.section(data, "profile", PROFILE_KEYS)
    login = check.section(top.get("login"), "login", LOGIN_KEYS)
    table = check.section(top.get("table"), "table", TABLE_KEYS)
    fields = check.section(top.get("fields"), "fields", set(RECORD_FIELDS))
    status = check.section(top.get("status", {}), "status", STATUS_KEYS)
    status_map = check.section(status.get("map", {}), "status.map", None)
    defaults = check.section(top.get("defaults", {}), "defaults", DEFAULTS_KEYS)
    for name in REQUIRED_FIELDS:
        check.text(fields, f"fields.{name}")
    for text, status_name in status_map.items():
        check.is_status(status_name, f"status.map.{text}")
    return PortalProfile(
        name=check.text(top, "name", required=False) or Path(source).stem,
        login_path=check.text(login, "login.path"),
        username_selector=check.text(login, "login.username"),
        password_selector=check.text(login, "login.password"),
        submit_selector=check.text(login, "login.submit"),
        success_selector=check.text(login, "login.success"),
        error_selector=check.text(login, "login.error"),
        table_paths=check.texts(table, "table.pages"),
        table_selector=check.text(table, "table.selector"),
        row_selector=check.text(table, "table.rows"),
        rows_ready_selector=check.text(table, "table.ready", required=False),
        next_page_selector=check.text(table, "table.next_page", required=False),
        page_count_selector=check.text(table, "table.page_count", required=False),
        fields={name: check.text(fields, f"fields.{name}") for name in fields},
        key_columns=check.texts(top, "key"),
        status_map=dict(status_map),
        default_status=check.status(status, "status.default", required=False) or "Pending",
        date_formats=check.texts(top, "date_formats", required=False),
        base_url=check.url(defaults, "defaults.base_url"),
        username=check.text(defaults, "defaults.username", required=False),
        password=check.text(defaults, "defaults.password", required=False),
    )


class _ProfileChecker:
    """Reads one value of a profile by its dotted path ("login.submit"), or says what is wrong."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, path: str, problem: str) -> ProfileError:
        return ProfileError(f"Invalid portal profile {self.source}: {path} {problem}")

    def section(self, value: Any, path: str, allowed: set[str] | None) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, "is missing" if value is None else "must be an object")
        unknown = sorted(set(value) - allowed) if allowed is not None else []
        if unknown:
            prefix = "" if path == "profile" else f"{path}."
            known = ", ".join(sorted(allowed or ()))
            raise self.fail(f"{prefix}{unknown[0]}", f"is not a known key (known: {known})")
        return value

    def text(self, section: dict[str, Any], path: str, required: bool = True) -> Any:
        value = section.get(path.rsplit(".", 1)[-1])
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.fail(path, "is missing" if value is None else "must be a non-empty string")
        return value

    def texts(self, section: dict[str, Any], path: str, required: bool = True) -> tuple[str, ...]:
        value = section.get(path.rsplit(".", 1)[-1])
        if value is None and not required:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(path, "must be a list of non-empty strings")
        if not value and required:
            raise self.fail(path, "must not be empty")
        return tuple(value)

    def url(self, section: dict[str, Any], path: str) -> str | None:
        value = self.text(section, path, required=False)
        if value is not None and not re.match(r"https?://[^/]", value):
            raise self.fail(path, f"must be an http:// or https:// URL, not '{value}'")
        return None if value is None else value.rstrip("/")

    def status(self, section: dict[str, Any], path: str, required: bool = True) -> str | None:
        value = self.text(section, path, required)
        return None if value is None else self.is_status(value, path)

    def is_status(self, value: Any, path: str) -> str:
        if value not in STATUSES:
            raise self.fail(path, f"must be one of {', '.join(STATUSES)}, not '{value}'")
        return value
