"""The schema. Every synced dataset shares one bookkeeping design (`TrackedRecord`):

- the visible columns hold the effective value (what people see and search);
- `source_values` holds the latest value the source sent for every synced field;
- `manual_fields` holds, per field a person corrected, the value the source had when the person
  last decided about it (`{"field": {"source_baseline": <value>}}`); the person's value is the
  visible column. When the source's value moves away from that baseline, the field needs review;
- `needs_review` and `is_manually_edited` are kept in step with those two maps by the merge rules
  (`merge/`) so that lists can filter on them in SQL;
- `version` is bumped on every change, for optimistic locking of edits;
- a record no source has sent yet (a person created it) has empty `source_values`: its `origin`
  is "manual" until a sync brings its natural key and joins it;
- `archived_at` / `archived_by`: a person archived it (a "delete" of a record a source sends);
  lists, exports and counts leave it out, and no sync brings it back (only a restore does);
- every change of every field lands in `record_changes`, whoever made it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import (
    Mapped,
    column_property,
    declared_attr,
    mapped_column,
    query_expression,
    relationship,
)

from database import Model, db
from models.accounts import User
from models.base import utcnow

AUTHORIZATION_STATUSES = ("Pending", "Approved", "Denied", "Expired")


if TYPE_CHECKING:  # to a type checker a tracked record is a model (each one is, below)
    _Mixin = Model
else:
    _Mixin = object


class TrackedRecord(_Mixin):
    """Columns every synced dataset shares; see the module docstring."""

    if TYPE_CHECKING:  # what every tracked model declares itself, for code written against this
        dataset: ClassVar[str]
        id: Mapped[int]

    version: Mapped[int] = mapped_column(default=1)
    source_values: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    manual_fields: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    is_manually_edited: Mapped[bool] = mapped_column(default=False, index=True)
    needs_review: Mapped[bool] = mapped_column(default=False, index=True)
    missing_from_source: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        sa.DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )

    archived_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))

    @declared_attr
    def first_seen_run_id(cls) -> Mapped[int | None]:
        return mapped_column(sa.ForeignKey("scrape_runs.id", ondelete="SET NULL"))

    @declared_attr
    def last_seen_run_id(cls) -> Mapped[int | None]:
        return mapped_column(sa.ForeignKey("scrape_runs.id", ondelete="SET NULL"))

    @declared_attr
    def archived_by(cls) -> Mapped[int | None]:
        return mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))

    @property
    def origin(self) -> str:
        return origin_of(self.source_values)

    def column_values(self) -> Mapping[str, Any]:
        """The values of the record's table columns, by attribute name, read as fast as a dict.

        SQLAlchemy keeps what it has loaded of an object in the object's `__dict__`; reading a
        value through its attribute adds a Python call (the descriptor, which would load it if it
        were missing) — two thirds of a listed page's JSON (bench/README.md, "Load"). When every
        column is loaded (a page, a record just read), that dict is the answer; otherwise (a
        record just written has columns expired) the attributes are read, loading them."""
        values = self.__dict__
        columns = _table_columns(type(self))
        if values.keys() >= columns:
            return values
        return {name: getattr(self, name) for name in columns}


class Authorization(TrackedRecord, Model):
    __tablename__ = "authorizations"
    dataset = "authorizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Both NULL for an authorization a person created, until a sync joins it (0011);
    # analytics.urls counts a NULL source as "no known portal".
    source: Mapped[str | None] = mapped_column(sa.String(120))
    source_key: Mapped[str] = mapped_column(sa.String(255), nullable=True)
    patient_name: Mapped[str] = mapped_column(sa.String(255))
    authorization_number: Mapped[str | None] = mapped_column(sa.String(120))
    status: Mapped[str] = mapped_column(sa.String(16), default="Pending")
    payer: Mapped[str | None] = mapped_column(sa.String(255))
    service_start: Mapped[date | None]
    service_end: Mapped[date | None]
    amount: Mapped[str | None] = mapped_column(sa.String(64))
    extra: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)

    __table_args__ = (
        sa.UniqueConstraint("source", "source_key", name="authorizations_natural_key"),
        sa.UniqueConstraint(  # checked per statement, so a sync can swap two numbers (0004)
            "authorization_number",
            name="authorizations_number_unique",
            deferrable=True,
            initially="IMMEDIATE",
        ),
        sa.CheckConstraint(
            f"status IN {AUTHORIZATION_STATUSES}", name="authorizations_status_valid"
        ),
        sa.Index(
            "authorizations_patient_trgm",
            "patient_name",
            postgresql_using="gin",
            postgresql_ops={"patient_name": "gin_trgm_ops"},
        ),
        sa.Index(  # the list's default order, without a sort of every row (0017)
            "authorizations_patient_order",
            "patient_name",
            "id",
            postgresql_where=sa.text("archived_at IS NULL"),
        ),
    )


drug_class_memberships = sa.Table(
    "drug_class_memberships",
    db.metadata,
    sa.Column("drug_id", sa.ForeignKey("drugs.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "drug_class_id", sa.ForeignKey("drug_classes.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("first_seen_run_id", sa.ForeignKey("scrape_runs.id", ondelete="SET NULL")),
    sa.Index("drug_class_memberships_class", "drug_class_id"),
)


class DrugClass(TrackedRecord, Model):
    __tablename__ = "drug_classes"
    dataset = "drug_classes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    coding_system: Mapped[str] = mapped_column(sa.String(64))
    class_type: Mapped[str] = mapped_column(sa.String(8), index=True)
    name: Mapped[str] = mapped_column(sa.String(500))
    # Counted in SQL, and only when a query asks for it (`undefer`), so lists can sort on it.
    drug_count: Mapped[int] = column_property(
        sa.select(sa.func.count())
        .where(drug_class_memberships.c.drug_class_id == id)
        .correlate_except(drug_class_memberships)
        .scalar_subquery(),
        deferred=True,
    )

    drugs: Mapped[list[Drug]] = relationship(
        secondary=drug_class_memberships, back_populates="classes"
    )


class Drug(TrackedRecord, Model):
    """One DailyMed label (SPL), keyed by its set id."""

    __tablename__ = "drugs"
    dataset = "drugs"

    id: Mapped[int] = mapped_column(primary_key=True)
    set_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    title: Mapped[str] = mapped_column(sa.Text)
    spl_version: Mapped[int | None]
    published_date: Mapped[date | None] = mapped_column(index=True)
    details_version: Mapped[int | None]  # the spl_version whose NDCs/ingredients are stored
    # Read from the title by each sync (scraper.dailymed_titles), synced fields like the title:
    # people may correct them. Several products' values are joined by "; " (migration 0006).
    brand_name: Mapped[str | None] = mapped_column(sa.Text)
    generic_name: Mapped[str | None] = mapped_column(sa.Text)
    dosage_form: Mapped[str | None] = mapped_column(sa.Text)
    labeler_name: Mapped[str | None] = mapped_column(sa.Text)
    # What the analyses count, derived from these fields, is kept by the database in its own
    # table (`analytics.facts.drug_facts`, migration 0016).

    classes: Mapped[list[DrugClass]] = relationship(
        secondary=drug_class_memberships, back_populates="drugs"
    )
    # The ids of the drug's classes, from its page's own statement, only when a query asks
    # (`undefer`): a list page then reads its classes' fields in one statement of their own
    # (datasets/drugs.py), with no ORM object per class (bench/README.md, "Load").
    class_ids: Mapped[list[int] | None] = column_property(
        sa.select(sa.func.array_agg(drug_class_memberships.c.drug_class_id))
        .where(drug_class_memberships.c.drug_id == id)
        .correlate_except(drug_class_memberships)
        .scalar_subquery(),
        deferred=True,
    )
    # The version of `drug_classes` (migration 0019), read beside a page's rows when its
    # query asks (`with_expression`): what the classes a process keeps are checked against.
    classes_version: Mapped[int | None] = query_expression()
    ndc_codes: Mapped[list[NdcCode]] = relationship(
        back_populates="drug", cascade="all, delete-orphan", passive_deletes=True
    )
    ingredients: Mapped[list[ActiveIngredient]] = relationship(
        back_populates="drug", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (
        sa.Index(
            "drugs_title_trgm",
            "title",
            postgresql_using="gin",
            postgresql_ops={"title": "gin_trgm_ops"},
        ),
        sa.Index("drugs_title_order", "title", "id"),  # sorted pages of common terms (0003)
        # The Drugs list's exact, case-insensitive filters (and the analytics' groups) (0006).
        sa.Index("drugs_labeler_name_lower", sa.func.lower(sa.text("labeler_name"))),
        sa.Index("drugs_dosage_form_lower", sa.func.lower(sa.text("dosage_form"))),
        # The drugs the analyses count, read from the index alone (0014).
        sa.Index("drugs_unarchived", "id", postgresql_where=sa.text("archived_at IS NULL")),
        # The few archived ids `not_archived` leaves out, without a scan of every drug (0014).
        sa.Index("drugs_archived", "id", postgresql_where=sa.text("archived_at IS NOT NULL")),
        # Room for heap-only updates: syncs rewrite every seen row (migration 0003).
        {"postgresql_with": {"fillfactor": 50}},
    )


class NdcCode(Model):
    """An NDC as printed on a label plus its normalised forms (replaced per label version)."""

    __tablename__ = "ndc_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    drug_id: Mapped[int] = mapped_column(sa.ForeignKey("drugs.id", ondelete="CASCADE"), index=True)
    ndc: Mapped[str] = mapped_column(sa.String(32), index=True)
    kind: Mapped[str] = mapped_column(sa.String(8))  # package | product
    ndc_format: Mapped[str] = mapped_column(sa.String(16))  # 4-4-2 | 5-3-2 | 5-4-1 | unrecognised…
    ndc11: Mapped[str | None] = mapped_column(sa.String(11), index=True)
    product_ndc: Mapped[str | None] = mapped_column(sa.String(16))
    product_ndc9: Mapped[str | None] = mapped_column(sa.String(9), index=True)
    labeler: Mapped[str | None] = mapped_column(sa.String(8))
    labeler5: Mapped[str | None] = mapped_column(sa.String(5), index=True)
    package_description: Mapped[str | None] = mapped_column(sa.Text)

    drug: Mapped[Drug] = relationship(back_populates="ndc_codes")

    __table_args__ = (  # the codes that fit no NDC form, listed by the analyses (0014)
        sa.Index(
            "ndc_codes_unrecognised", "ndc", postgresql_where=sa.text("ndc_format = 'unrecognised'")
        ),
    )


class ActiveIngredient(Model):
    __tablename__ = "active_ingredients"

    id: Mapped[int] = mapped_column(primary_key=True)
    drug_id: Mapped[int] = mapped_column(sa.ForeignKey("drugs.id", ondelete="CASCADE"), index=True)
    product_name: Mapped[str | None] = mapped_column(sa.Text)
    name: Mapped[str] = mapped_column(sa.Text)
    strength: Mapped[str | None] = mapped_column(sa.Text)

    drug: Mapped[Drug] = relationship(back_populates="ingredients")


class RecordChange(Model):
    """History of every field change of every tracked record: who, when, from what, to what."""

    __tablename__ = "record_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset: Mapped[str] = mapped_column(sa.String(32))
    record_id: Mapped[int]
    field: Mapped[str | None] = mapped_column(sa.String(64))  # None for whole-record events
    action: Mapped[str] = mapped_column(sa.String(32))
    old_value: Mapped[Any] = mapped_column(JSONB)
    new_value: Mapped[Any] = mapped_column(JSONB)
    actor_type: Mapped[str] = mapped_column(sa.String(8))  # user | sync | system
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    run_id: Mapped[int | None] = mapped_column(sa.ForeignKey("scrape_runs.id", ondelete="SET NULL"))
    changed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)

    user: Mapped[User | None] = relationship()

    __table_args__ = (
        sa.Index("record_changes_record", "dataset", "record_id", "changed_at"),
        sa.Index("record_changes_run", "run_id"),  # a run's changes; retention's checks (0017)
        sa.CheckConstraint("actor_type IN ('user', 'sync', 'system')", name="record_changes_actor"),
    )


# -- what archived means to readers -------------------------------------------------------------
# An archived record is outside everything that counts records (lists, exports, the Overview,
# analytics, alerts). These conditions say so once, for every reader of the database.

TRACKED_MODELS: tuple[type[TrackedRecord], ...] = (Authorization, DrugClass, Drug)


def unarchived(model: type[TrackedRecord]) -> sa.ColumnElement[bool]:
    """The rows of `model` that are not archived (a condition on its own table)."""
    return model.archived_at.is_(None)


def not_archived(record_id: Any, model: type[TrackedRecord]) -> sa.ColumnElement[bool]:
    """`record_id` (a column holding ids of `model`, never NULL) names no archived record: a
    lookup in the few archived ids, never a join of the records themselves."""
    return record_id.not_in(sa.select(model.id).where(model.archived_at.is_not(None)))


def names_an_archived_record(dataset: Any, record_id: Any) -> sa.ColumnElement[bool]:
    """(`dataset`, `record_id`), as `record_changes` names a record, is an archived record of
    any tracked dataset."""
    archived = sa.union_all(
        *(
            sa.select(sa.literal(model.dataset, sa.String(32)), model.id).where(
                model.archived_at.is_not(None)
            )
            for model in TRACKED_MODELS
        )
    )
    return sa.tuple_(dataset, record_id).in_(archived)


class RecordCount(Model):
    """A tracked table's number of unarchived rows, kept by the database's own triggers
    (migration 0018) whoever writes: what an unfiltered list answers as its total without
    counting 100,000 rows on every page. No row: not counted yet (readers count exactly)."""

    __tablename__ = "record_counts"

    table_name: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    unarchived: Mapped[int] = mapped_column(sa.BigInteger)


class TableVersion(Model):
    """A table's version: a random number drawn by the last transaction that wrote it, set by
    the database's own triggers as it commits (migration 0019, `drug_classes` only): what a
    process checks the rows it keeps of that table against. No row: nothing is kept (readers
    read every time)."""

    __tablename__ = "table_versions"

    table_name: Mapped[str] = mapped_column(sa.Text, primary_key=True)
    version: Mapped[int] = mapped_column(sa.BigInteger)


def origin_of(source_values: Mapping[str, Any] | None) -> str:
    """ "manual" while no source has sent the record (a person created it), else "source"."""
    return "source" if source_values else "manual"


@cache
def _table_columns(model: type[TrackedRecord]) -> frozenset[str]:
    """The attribute names of `model`'s table columns (not its column properties and query
    expressions, which a page may or may not load)."""
    table = model.__table__
    return frozenset(
        prop.key
        for prop in sa.inspect(model).column_attrs
        if all(isinstance(c, sa.Column) and c.table is table for c in prop.columns)
    )


@cache  # one immutable statement per table, read by every unfiltered page
def kept_count(model: type[TrackedRecord]) -> sa.ScalarSelect[int]:
    """The number of unarchived rows of `model` as the database keeps it (NULL while it does
    not), as a scalar subquery: a list reads it in its page's own statement."""
    return (
        sa.select(RecordCount.unarchived)
        .where(RecordCount.table_name == model.__tablename__)
        .scalar_subquery()
    )
