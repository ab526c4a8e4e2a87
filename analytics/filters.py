"""The filters every analyzer accepts, read from request arguments and turned into a WHERE on
the drugs table: `class_id`, `class_type`, `labeler` (an NDC labeler code in any form, or a
labeler's name), `published_from`, `published_to` (YYYY-MM-DD) and `q` (a name search).

Archived records are outside every analysis, filtered or not, as they are outside the lists: the
filters never keep an archived drug, and a membership counts only when its class is not archived
(`keeps_membership`). Analyzers read drugs and their rows through these filters alone."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from datetime import date
from typing import Any

import sqlalchemy as sa

from config import DAILYMED_CLASS_TYPE_CHOICES
from database import contains_pattern, db
from errors import ValidationFailed
from models import Drug, DrugClass, NdcCode, drug_class_memberships, not_archived, unarchived
from scraper.ndc import labeler_code

NAMES = ("class_id", "class_type", "labeler", "published_from", "published_to", "q")
_MAX_TEXT = 500


@dataclass(frozen=True)
class Filters:
    class_id: int | None = None
    class_type: str | None = None
    labeler: str | None = None  # a labeler code normalised to five digits, or a labeler's name
    published_from: date | None = None
    published_to: date | None = None
    q: str | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> Filters:
        """The filters in `args`, or a 422 naming the first unknown or invalid one. Empty
        values mean "no filter"."""
        for name in args:
            if name not in NAMES:
                raise ValidationFailed(
                    f"Unknown filter {name!r}; the filters are {', '.join(NAMES)}.", field=name
                )
        text = {name: (args.get(name) or "").strip() for name in NAMES}
        for name, value in text.items():
            if len(value) > _MAX_TEXT:
                raise ValidationFailed(f"{name} is too long.", field=name)
        filters = cls(
            class_id=_class_id(text["class_id"]),
            class_type=_class_type(text["class_type"]),
            labeler=_labeler(text["labeler"]),
            published_from=_date("published_from", text["published_from"]),
            published_to=_date("published_to", text["published_to"]),
            q=text["q"] or None,
        )
        if (
            filters.published_from
            and filters.published_to
            and filters.published_from > filters.published_to
        ):
            raise ValidationFailed(
                "published_to must not be before published_from.", field="published_to"
            )
        return filters

    def as_json(self) -> dict[str, Any]:
        """The filters applied, normalised (a labeler code as five digits), unset ones left out."""
        return {
            name: value.isoformat() if isinstance(value, date) else value
            for name, value in asdict(self).items()
            if value is not None
        }

    def where(self) -> sa.ColumnElement[bool]:
        """The drugs these filters keep, as a condition on the drugs table: never an archived
        one, and a class chosen only through its memberships that count (`live_class`)."""
        conditions = [unarchived(Drug), *self._on_drugs()]
        conditions += [Drug.id.in_(ids) for ids in self._id_sets()]
        return sa.and_(sa.true(), *conditions)

    def _id_sets(self) -> list[sa.Select]:
        """The filters answered by other tables' indexes, each as the drug ids it keeps
        (archived drugs among them)."""
        sets: list[sa.Select] = []
        if self.class_id is not None:
            sets.append(
                sa.select(drug_class_memberships.c.drug_id).where(
                    drug_class_memberships.c.drug_class_id == self.class_id,
                    live_class(drug_class_memberships.c.drug_class_id),
                )
            )
        if self.class_type:
            sets.append(
                sa.select(drug_class_memberships.c.drug_id)
                .join(DrugClass, DrugClass.id == drug_class_memberships.c.drug_class_id)
                .where(DrugClass.class_type == self.class_type, unarchived(DrugClass))
            )
        if self.labeler and self.labeler.isdigit():
            sets.append(sa.select(NdcCode.drug_id).where(NdcCode.labeler5 == self.labeler))
        return sets

    def _on_drugs(self) -> list[sa.ColumnElement[bool]]:
        """The filters on the drugs' own columns."""
        conditions: list[sa.ColumnElement[bool]] = []
        if self.labeler and not self.labeler.isdigit():
            conditions.append(sa.func.lower(Drug.labeler_name) == self.labeler.lower())
        if self.published_from:
            conditions.append(Drug.published_date >= self.published_from)
        if self.published_to:
            conditions.append(Drug.published_date <= self.published_to)
        if self.q:
            conditions.append(Drug.title.ilike(contains_pattern(self.q)))
        return conditions

    @property
    def active(self) -> bool:
        return any(value is not None for value in asdict(self).values())

    def keeps(
        self, drug_id: sa.orm.QueryableAttribute[Any] | sa.ColumnElement[Any]
    ) -> sa.ColumnElement[bool]:
        """`drug_id` is of a drug these filters keep. Unfiltered, only "not archived": a lookup
        in the few archived ids, so an unfiltered analysis never joins the drugs it keeps."""
        if not self.active:
            return not_archived(drug_id, Drug)
        return drug_id.in_(self.drug_ids().scalar_subquery())

    def keeps_membership(self, membership: sa.FromClause) -> sa.ColumnElement[bool]:
        """A row of `drug_class_memberships` (or an alias) that counts: its drug is kept and
        its class is not archived."""
        return sa.and_(self.keeps(membership.c.drug_id), live_class(membership.c.drug_class_id))

    def drug_ids(self) -> sa.Select:
        """The ids of the drugs these filters keep (for `IN` and joins). When every filter is
        answered by another table's index (a class, a class type, a labeler code), the ids
        come from those indexes alone, archived ones left out by `not_archived`: the drugs
        table is not read (a join to it seq-scanned every drug for a labeler's few thousand)."""
        sets = self._id_sets()
        if not sets or self._on_drugs():
            return sa.select(Drug.id).where(self.where())
        ids = sets[0] if len(sets) == 1 else sa.intersect(*sets)
        (drug_id,) = ids.subquery("found").c
        return sa.select(drug_id.label("id")).distinct().where(not_archived(drug_id, Drug))

    def labels(self) -> int:
        """How many drugs these filters keep."""
        return db.session.scalar(sa.select(sa.func.count()).where(self.where())) or 0

    def resolve(self) -> Filters:
        """These filters with their scope found once: the ids of the drugs they keep go into a
        temporary table (dropped when the transaction ends), and every condition of the
        returned filters reads that table instead of evaluating the filters again (a labeler
        filter is a search of the NDC codes, a name search a trigram scan). Unfiltered, there
        is no scope to find: the filters come back as they are."""
        if not self.active:
            return self
        session = db.session
        session.execute(sa.text(f"DROP TABLE IF EXISTS pg_temp.{SCOPE_TABLE}"))
        session.execute(
            sa.text(f"CREATE TEMPORARY TABLE {SCOPE_TABLE} (id integer PRIMARY KEY) ON COMMIT DROP")
        )
        (drug_id,) = self.drug_ids().subquery("ids").c
        in_order = sa.select(drug_id).order_by(drug_id)
        # In id order, as the drugs lie: the statements' lookups by id then walk the indexes
        # and tables forward instead of jumping about (a hash gives the ids in any order).
        session.execute(sa.insert(_scope).from_select(["id"], in_order))
        session.execute(sa.text(f"ANALYZE {SCOPE_TABLE}"))
        return ResolvedFilters(**{f.name: getattr(self, f.name) for f in fields(self)})


def live_class(drug_class_id: sa.ColumnElement[int]) -> sa.ColumnElement[bool]:
    """`drug_class_id` names a class that is not archived."""
    return not_archived(drug_class_id, DrugClass)


SCOPE_TABLE = "analytics_scope"
_scope = sa.table(SCOPE_TABLE, sa.column("id", sa.Integer))


@dataclass(frozen=True)
class ResolvedFilters(Filters):
    """Filters whose scope `Filters.resolve` wrote to the temporary table: each condition is a
    lookup in it."""

    def where(self) -> sa.ColumnElement[bool]:
        return Drug.id.in_(self.drug_ids())

    def drug_ids(self) -> sa.Select:
        return sa.select(_scope.c.id)

    def labels(self) -> int:
        """The scope's size: its ids are the kept drugs, each once (the drugs not read)."""
        return db.session.scalar(sa.select(sa.func.count()).select_from(_scope)) or 0

    def resolve(self) -> Filters:
        return self


def _class_id(text: str) -> int | None:
    if not text:
        return None
    if not (text.isascii() and text.isdecimal()) or len(text) > 18 or int(text) < 1:
        raise ValidationFailed(
            f"class_id must be a drug class id (a whole number), got {text[:40]!r}.",
            field="class_id",
        )
    return int(text)


def _class_type(text: str) -> str | None:
    if not text:
        return None
    if text not in DAILYMED_CLASS_TYPE_CHOICES:
        raise ValidationFailed(
            f"class_type must be one of {', '.join(DAILYMED_CLASS_TYPE_CHOICES)}, "
            f"got {text[:40]!r}.",
            field="class_type",
        )
    return text


def _labeler(text: str) -> str | None:
    """A labeler code as printed (4 or 5 digits: 0002 and 00002 are one labeler) normalised to
    five digits, or a labeler's name as titles print it."""
    if not text:
        return None
    if code := labeler_code(text):
        return code
    if text.isdigit():
        raise ValidationFailed(
            f"labeler must be a labeler's name or its NDC labeler code (4 or 5 digits), "
            f"got {text[:40]!r}.",
            field="labeler",
        )
    return text


def _date(name: str, text: str) -> date | None:
    if not text:
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise ValidationFailed(
            f"{name} must be a date as YYYY-MM-DD, got {text[:40]!r}.", field=name
        ) from None
