"""The sandbox payer portal: a login, a session and a paginated list of prior authorizations.

It follows the markup conventions of the-internet (`#login`, `#username`, `#password`,
`div#flash.flash.success` / `.flash.error`), so the scraper's `sandbox` profile differs from the
`the-internet` one only where the portals really differ. The authorization rows are not in the
HTML: `static/portal.js` fetches them from `/portal/api/authorizations` and draws them after
`delay_ms`, then marks the table `data-loaded="true"` — a scraper must wait explicitly.

Service dates are shown as US dates (MM/DD/YYYY), as US payer portals do.
"""

from __future__ import annotations

import argparse
import random
import threading
from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)

STATUSES = ("Pending", "Approved", "Denied", "Expired")
DEFAULT_USERNAME = "demo"
DEFAULT_PASSWORD = "demo-password"
US_DATE_FORMAT = "%m/%d/%Y"

_STATUS_WEIGHTS = (25, 50, 15, 10)
_FIRST_NAMES = (
    "Ava", "Liam", "Olivia", "Noah", "Emma", "Mateo", "Sofia", "Elijah", "Amelia", "James",
    "Isabella", "Lucas", "Mia", "Benjamin", "Harper", "Ethan", "Evelyn", "Mason", "Aaliyah",
    "Logan", "Grace", "Kenji", "Priya", "Diego", "Fatima", "Samuel", "Chloe", "Omar", "Nora",
    "Wei", "Hannah", "Andre", "Leila", "Thomas", "Rosa", "Daniel",
)  # fmt: skip
_LAST_NAMES = (
    "Johnson", "Garcia", "Nguyen", "Patel", "Smith", "Williams", "Brown", "Martinez", "Kim",
    "Okafor", "Rossi", "Anderson", "Lopez", "Cohen", "Tanaka", "Murphy", "Schmidt", "Hernandez",
    "Walker", "Ali", "Dubois", "Kowalski", "Reyes", "Chen", "Singh", "Johansson", "Baker",
    "Moreau", "Rivera", "Haddad", "Clarke", "Novak", "Mensah", "Ortiz", "Fischer", "Bianchi",
)  # fmt: skip
_PAYERS = (
    "Aetna", "Blue Cross Blue Shield", "Cigna", "Humana", "UnitedHealthcare",
    "Kaiser Permanente", "Molina Healthcare", "Medicare Advantage", "Anthem", "Centene",
)  # fmt: skip
_FIRST_SERVICE_DAY = date(2026, 1, 5)


@dataclass(frozen=True)
class PortalRow:
    """One prior authorization as the portal shows it."""

    patient_name: str
    authorization_number: str
    status: str
    payer: str
    service_start: date
    service_end: date

    def as_json(self) -> dict[str, str]:
        shown = asdict(self)
        shown["service_start"] = self.service_start.strftime(US_DATE_FORMAT)
        shown["service_end"] = self.service_end.strftime(US_DATE_FORMAT)
        return shown


@dataclass(frozen=True)
class PortalMutation:
    """What `PortalState.mutate` changed, so a test can assert the next sync saw it."""

    changed: list[tuple[str, str, str]] = field(default_factory=list)  # (number, old, new)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


class PortalState:
    """The portal's data and settings; tests and control endpoints change it between syncs."""

    def __init__(
        self,
        rows: int = 45,
        page_size: int = 20,
        delay_ms: int = 300,
        seed: int = 2026,
        username: str = DEFAULT_USERNAME,
        password: str = DEFAULT_PASSWORD,
    ) -> None:
        if rows < 0 or page_size < 1 or delay_ms < 0:
            raise ValueError("rows and delay_ms must be >= 0, page_size >= 1")
        self.initial_rows = rows
        self.page_size = page_size
        self.delay_ms = delay_ms
        self.seed = seed
        self.username = username
        self.password = password
        self._lock = threading.RLock()
        self.reset()

    def reset(self) -> None:
        """Forget every change: the rows the seed produced, nothing else."""
        with self._lock:
            rng = random.Random(self.seed)
            self._next_number = rng.randint(100, 900)
            self._rows = [self._generated_row(rng) for _ in range(self.initial_rows)]

    @property
    def rows(self) -> list[PortalRow]:
        with self._lock:
            return list(self._rows)

    @property
    def page_count(self) -> int:
        with self._lock:
            return max(1, -(-len(self._rows) // self.page_size))

    def page(self, number: int) -> list[PortalRow]:
        """Rows on page `number` (1-based); IndexError outside 1..page_count."""
        with self._lock:
            if not 1 <= number <= self.page_count:
                raise IndexError(f"page {number} is outside 1..{self.page_count}")
            start = (number - 1) * self.page_size
            return self._rows[start : start + self.page_size]

    def find(self, authorization_number: str) -> PortalRow:
        with self._lock:
            return self._rows[self._index_of(authorization_number)]

    def change_status(self, authorization_number: str, new_status: str) -> PortalRow:
        if new_status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}, not {new_status!r}")
        with self._lock:
            index = self._index_of(authorization_number)
            self._rows[index] = replace(self._rows[index], status=new_status)
            return self._rows[index]

    def add_row(
        self,
        patient_name: str | None = None,
        status: str = "Pending",
        payer: str | None = None,
        service_start: date | None = None,
        service_end: date | None = None,
    ) -> PortalRow:
        """Append a new authorization with a never-used number; unset fields are generated."""
        if status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
        with self._lock:
            generated = self._generated_row(random.Random(f"{self.seed}:{self._next_number}"))
            start = service_start or generated.service_start
            row = replace(
                generated,
                patient_name=patient_name or generated.patient_name,
                status=status,
                payer=payer or generated.payer,
                service_start=start,
                service_end=service_end or start + timedelta(days=89),
            )
            self._rows.append(row)
            return row

    def remove_row(self, authorization_number: str) -> PortalRow:
        with self._lock:
            return self._rows.pop(self._index_of(authorization_number))

    def mutate(self, seed: int) -> PortalMutation:
        """A repeatable round of changes: three status changes, one new row, one vanished row."""
        with self._lock:
            rng = random.Random(seed)
            picked = rng.sample(self._rows, k=min(4, len(self._rows)))
            mutation = PortalMutation()
            for row in picked[:3]:
                new_status = rng.choice([s for s in STATUSES if s != row.status])
                self.change_status(row.authorization_number, new_status)
                mutation.changed.append((row.authorization_number, row.status, new_status))
            if len(picked) == 4:
                mutation.removed.append(
                    self.remove_row(picked[3].authorization_number).authorization_number
                )
            mutation.added.append(self.add_row().authorization_number)
            return mutation

    def _index_of(self, authorization_number: str) -> int:
        for index, row in enumerate(self._rows):
            if row.authorization_number == authorization_number:
                return index
        raise KeyError(f"no authorization {authorization_number!r}")

    def _generated_row(self, rng: random.Random) -> PortalRow:
        number = f"PA-2026-{self._next_number:06d}"
        self._next_number += rng.randint(1, 37)
        start = _FIRST_SERVICE_DAY + timedelta(days=rng.randint(0, 240))
        return PortalRow(
            patient_name=f"{rng.choice(_FIRST_NAMES)} {rng.choice(_LAST_NAMES)}",
            authorization_number=number,
            status=rng.choices(STATUSES, weights=_STATUS_WEIGHTS)[0],
            payer=rng.choice(_PAYERS),
            service_start=start,
            service_end=start + timedelta(days=rng.choice((29, 59, 89, 179))),
        )


def create_portal_blueprint(state: PortalState) -> Blueprint:
    """The portal's pages and JSON, meant to be mounted at `/portal`."""
    portal = Blueprint("portal", __name__, template_folder="templates", static_folder="static")
    _add_sign_in_pages(portal, state)
    _add_authorization_pages(portal, state)
    return portal


def _signed_in(state: PortalState) -> bool:
    return session.get("portal_user") == state.username


def _add_sign_in_pages(portal: Blueprint, state: PortalState) -> None:
    """Home, login, authenticate, logout: the sign-in flow a portal scraper goes through."""

    @portal.get("/")
    def home() -> Any:
        return redirect(url_for(".secure" if _signed_in(state) else ".login"))

    @portal.get("/login")
    def login() -> str:
        show_hint = (state.username, state.password) == (DEFAULT_USERNAME, DEFAULT_PASSWORD)
        return render_template("portal/login.html", show_hint=show_hint)

    @portal.post("/authenticate")
    def authenticate() -> Any:
        if request.form.get("username", "") != state.username:
            flash("Your username is invalid!", "error")
            return redirect(url_for(".login"))
        if request.form.get("password", "") != state.password:
            flash("Your password is invalid!", "error")
            return redirect(url_for(".login"))
        session["portal_user"] = state.username
        flash("You logged into a secure area!", "success")
        return redirect(url_for(".secure"))

    @portal.get("/logout")
    def logout() -> Any:
        session.pop("portal_user", None)
        flash("You logged out of the secure area!", "success")
        return redirect(url_for(".login"))


def _add_authorization_pages(portal: Blueprint, state: PortalState) -> None:
    """The secure area: the paged authorization table and the JSON it loads."""

    @portal.get("/secure")
    def secure() -> Any:
        if not _signed_in(state):
            flash("You must login to view the secure area!", "error")
            return redirect(url_for(".login"))
        return render_template("portal/secure.html", total=len(state.rows))

    @portal.get("/authorizations")
    def authorizations() -> Any:
        if not _signed_in(state):
            flash("You must login to view the secure area!", "error")
            return redirect(url_for(".login"))
        number = request.args.get("page", 1, type=int)
        if not 1 <= number <= state.page_count:
            abort(404)
        return render_template(
            "portal/authorizations.html",
            page=number,
            page_count=state.page_count,
            delay_ms=state.delay_ms,
        )

    @portal.get("/api/authorizations")
    def authorizations_json() -> Any:
        if not _signed_in(state):
            return jsonify(error="Sign in to the portal first."), 401
        number = request.args.get("page", 1, type=int)
        try:
            rows = state.page(number)
        except IndexError as error:
            return jsonify(error=str(error)), 404
        return jsonify(
            page=number,
            page_count=state.page_count,
            page_size=state.page_size,
            total=len(state.rows),
            rows=[row.as_json() for row in rows],
        )


def create_control_blueprint(state: PortalState) -> Blueprint:
    """Test-only endpoints that change the portal's data; mount at `/_control/portal`."""
    control = Blueprint("portal_control", __name__)

    @control.get("/rows")
    def rows() -> Any:
        return jsonify(rows=[row.as_json() for row in state.rows])

    @control.post("/rows")
    def add_row() -> Any:
        body = request.get_json(silent=True) or {}
        row = state.add_row(
            patient_name=body.get("patient_name"),
            status=body.get("status", "Pending"),
            payer=body.get("payer"),
        )
        return jsonify(row.as_json()), 201

    @control.delete("/rows/<authorization_number>")
    def remove_row(authorization_number: str) -> Any:
        return jsonify(state.remove_row(authorization_number).as_json())

    @control.post("/rows/<authorization_number>/status")
    def change_status(authorization_number: str) -> Any:
        body = request.get_json(silent=True) or {}
        return jsonify(state.change_status(authorization_number, body.get("status", "")).as_json())

    @control.post("/mutate")
    def mutate() -> Any:
        body = request.get_json(silent=True) or {}
        return jsonify(asdict(state.mutate(int(body.get("seed", 1)))))

    @control.post("/reset")
    def reset() -> Any:
        state.reset()
        return jsonify(rows=len(state.rows))

    @control.errorhandler(KeyError)
    def unknown_row(error: KeyError) -> Any:
        return jsonify(error=error.args[0]), 404

    @control.errorhandler(ValueError)
    def bad_value(error: ValueError) -> Any:
        return jsonify(error=str(error)), 422

    return control


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("portal")
    group.add_argument("--portal-rows", type=int, default=45, help="authorizations (45)")
    group.add_argument("--portal-page-size", type=int, default=20, help="rows per page (20)")
    group.add_argument(
        "--portal-delay-ms", type=int, default=300, help="delay before rows are drawn (300)"
    )
    group.add_argument("--portal-seed", type=int, default=2026, help="data seed (2026)")
    group.add_argument("--portal-username", default=DEFAULT_USERNAME)
    group.add_argument("--portal-password", default=DEFAULT_PASSWORD)


def state_from_args(args: argparse.Namespace) -> PortalState:
    return PortalState(
        rows=args.portal_rows,
        page_size=args.portal_page_size,
        delay_ms=args.portal_delay_ms,
        seed=args.portal_seed,
        username=args.portal_username,
        password=args.portal_password,
    )
