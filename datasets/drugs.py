"""Drugs (DailyMed labels): how the sync merges them, what people may correct, the list
filters (name, class, class type, any form of NDC, labeler, dosage form, ingredient, dates)
and the JSON shape
with NDCs and ingredients."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from typing import Any, ClassVar

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import selectinload, undefer, with_expression
from sqlalchemy.sql.base import ExecutableOption

import merge
from config import DAILYMED_CLASS_TYPE_CHOICES
from database import contains_pattern, db
from datasets import drug_classes_read as classes_read
from datasets import field_rules, listing, records
from errors import ValidationFailed
from models import ActiveIngredient, Drug, DrugClass, NdcCode, drug_class_memberships
from scraper.dailymed import LABEL_PAGE_URL
from scraper.ndc import hyphenated, labeler_code, ndc_search_keys

# What a title names (scraper.dailymed_titles), stored as synced fields beside the title.
TITLE_FIELDS = ("brand_name", "generic_name", "dosage_form", "labeler_name")
DATASET = merge.Dataset(
    model=Drug,
    key_fields=("set_id",),
    synced_fields=("title", "spl_version", "published_date", *TITLE_FIELDS),
)
SEARCH_COUNT_LIMIT = 1000
TITLE_PART_MAX_LENGTH = 2000  # the columns are unbounded, as the title's is
_SET_ID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def label_url(set_id: str) -> str:
    return LABEL_PAGE_URL.format(set_id=set_id)


def dosage_form_filter(text: str) -> sa.ColumnElement[bool]:
    """Drugs whose title names the dosage form `text` (any case): a label of several products
    stores their forms joined, and matches each of them, as the text analysis counts it."""
    forms = sa.func.string_to_array(sa.func.lower(Drug.dosage_form), LIST_SEPARATOR)
    each = sa.func.unnest(forms).table_valued("form").render_derived()
    return sa.exists(
        sa.select(1).select_from(each).where(sa.func.trim(each.c.form) == text.strip().lower())
    )


def ingredient_filter(text: str) -> sa.ColumnElement[bool]:
    """Drugs with the active ingredient `text` (any case, as the text analysis names it)."""
    return Drug.id.in_(
        sa.select(ActiveIngredient.drug_id).where(
            sa.func.upper(sa.func.trim(ActiveIngredient.name)) == text.strip().upper()
        )
    )


def ndc_filter(text: str) -> sa.ColumnElement[bool]:
    """Drugs carrying the NDC `text` in any printed form: 4-4-2, 5-3-2, 5-4-1, 11 digits with
    or without hyphens, or a product NDC — compared on the indexed normalised columns, plus
    the code exactly as printed (so even a code that fits no form can be found)."""
    keys = ndc_search_keys(text)
    package_keys = [key for key in keys if len(key) == 11]
    product_keys = [key for key in keys if len(key) == 9]
    matches = [NdcCode.ndc == text.strip()]
    if package_keys:
        matches.append(NdcCode.ndc11.in_(package_keys))
    if product_keys:
        matches.append(NdcCode.product_ndc9.in_(product_keys))
    return Drug.id.in_(sa.select(NdcCode.drug_id).where(sa.or_(*matches)))


def labeler_filter(text: str) -> sa.ColumnElement[bool]:
    """Drugs of one labeler: its name as the title prints it (any case), or its NDC labeler
    segment as printed or normalised (0002 and 00002 are one labeler)."""
    if code := labeler_code(text):
        codes = sa.select(NdcCode.drug_id).where(NdcCode.labeler5 == code)
        return Drug.id.in_(codes)
    if text.isdigit():
        raise ValidationFailed(
            f"labeler must be a labeler's name or its NDC labeler code (4 or 5 digits), "
            f"got {text!r}.",
            field="labeler",
        )
    return sa.func.lower(Drug.labeler_name) == sa.func.lower(text)


CSV_FORMS = ("records", "ndcs")
CSV_LISTS = ("ndcs", "labeler_codes", "classes", "ingredients")
NDC_CSV_COLUMNS = (
    "ndc",
    "kind",
    "ndc_format",
    "ndc11",
    "product_ndc",
    "labeler_code",
    "package_description",
    "drug_id",
    "set_id",
    "title",
    *TITLE_FIELDS,
    "spl_version",
    "published_date",
    *listing.BOOKKEEPING_CSV_COLUMNS,
)
LIST_SEPARATOR = "; "


def _csv_lists() -> list[sa.Label[Any]]:
    """A drug's NDCs (as printed, packages first), its distinct labeler codes (five digits), its
    classes ("name [type]") and its ingredients ("name strength"), each "; "-joined."""
    join = sa.func.string_agg
    member = drug_class_memberships.c

    def ordered(*by: Any) -> aggregate_order_by:
        return aggregate_order_by(sa.literal(LIST_SEPARATOR), *by)

    return [
        sa.select(join(NdcCode.ndc, ordered(NdcCode.kind, NdcCode.ndc)))
        .where(NdcCode.drug_id == Drug.id)
        .scalar_subquery()
        .label("ndcs"),
        sa.select(join(sa.distinct(NdcCode.labeler5), LIST_SEPARATOR))
        .where(NdcCode.drug_id == Drug.id)
        .scalar_subquery()
        .label("labeler_codes"),
        sa.select(join(DrugClass.name + " [" + DrugClass.class_type + "]", ordered(DrugClass.name)))
        .join(drug_class_memberships, member.drug_class_id == DrugClass.id)
        .where(member.drug_id == Drug.id)
        .scalar_subquery()
        .label("classes"),
        sa.select(
            join(
                sa.func.concat_ws(" ", ActiveIngredient.name, ActiveIngredient.strength),
                ordered(ActiveIngredient.name),
            )
        )
        .where(ActiveIngredient.drug_id == Drug.id)
        .scalar_subquery()
        .label("ingredients"),
    ]


def _ndc_csv_row(row: sa.Row[Any]) -> dict[str, Any]:
    code, drug = row._mapping[NdcCode], row._mapping[Drug]
    return {
        "ndc": code.ndc,
        "kind": code.kind,
        "ndc_format": code.ndc_format,
        "ndc11": code.ndc11,
        "product_ndc": code.product_ndc,
        "labeler_code": code.labeler5,
        "package_description": code.package_description,
        "drug_id": drug.id,
        "set_id": drug.set_id,
        "title": drug.title,
        **{name: getattr(drug, name) for name in TITLE_FIELDS},
        "spl_version": drug.spl_version,
        "published_date": drug.published_date.isoformat() if drug.published_date else None,
        "origin": drug.origin,
        "archived_at": merge.json_value(drug.archived_at),
    }


class DrugService(records.RecordService):
    model = Drug
    noun = "drug"
    fields: ClassVar[dict[str, field_rules.Field]] = {
        "title": field_rules.Text(required=True, max_length=2000),  # the column is unbounded
        **{name: field_rules.Text(max_length=TITLE_PART_MAX_LENGTH) for name in TITLE_FIELDS},
        "published_date": field_rules.Date(),
    }
    create_only: ClassVar[dict[str, field_rules.Field]] = {
        "set_id": field_rules.Text(required=True, max_length=64),
        "spl_version": field_rules.WholeNumber(minimum=1, label="Label version"),
    }
    unique = ("set_id",)
    filters = ("name", "ndc", "q", "drug_class_id", "class_type", "labeler", "dosage_form")
    sortable: ClassVar[dict[str, Any]] = {
        "id": Drug.id,
        "title": Drug.title,
        "set_id": Drug.set_id,
        "spl_version": Drug.spl_version,
        "published_date": Drug.published_date,
        "updated_at": Drug.updated_at,
    }
    default_sort = "title"
    csv_columns = (
        "id",
        "set_id",
        "title",
        "spl_version",
        "published_date",
        "label_url",
        "is_manually_edited",
        "needs_review",
        "missing_from_source",
        "updated_at",
        *TITLE_FIELDS,  # after the columns scripts already read by position
    )
    csv_filename = "drugs.csv"

    def list_query(self, args: Mapping[str, str]) -> sa.Select:
        """Drugs matching name (partial), ndc (any form), q (name or NDC), drug_class_id,
        class_type, labeler (name or NDC labeler code), dosage_form (one of the label's forms,
        any case), ingredient (an active ingredient, any case), published_from and
        published_to (inclusive dates), edited, needs_review, missing."""
        query = sa.select(Drug)
        name = (args.get("name") or "").strip()
        if name:
            query = query.where(Drug.title.ilike(contains_pattern(name)))
        ndc = (args.get("ndc") or "").strip()
        if ndc:
            query = query.where(ndc_filter(ndc))
        q = (args.get("q") or "").strip()
        if q:
            by_name = Drug.title.ilike(contains_pattern(q))
            query = query.where(sa.or_(by_name, ndc_filter(q)) if ndc_search_keys(q) else by_name)
        class_id = listing.int_arg(args, "drug_class_id")
        if class_id is not None:
            members = sa.select(drug_class_memberships.c.drug_id).where(
                drug_class_memberships.c.drug_class_id == class_id
            )
            query = query.where(Drug.id.in_(members))
        class_type = listing.choice_arg(args, "class_type", DAILYMED_CLASS_TYPE_CHOICES)
        if class_type:
            members = (
                sa.select(drug_class_memberships.c.drug_id)
                .join(DrugClass, DrugClass.id == drug_class_memberships.c.drug_class_id)
                .where(DrugClass.class_type == class_type)
            )
            query = query.where(Drug.id.in_(members))
        labeler = (args.get("labeler") or "").strip()
        if labeler:
            query = query.where(labeler_filter(labeler))
        dosage_form = (args.get("dosage_form") or "").strip()
        if dosage_form:
            query = query.where(dosage_form_filter(dosage_form))
        ingredient = (args.get("ingredient") or "").strip()
        if ingredient:
            query = query.where(ingredient_filter(ingredient))
        published_from, published_to = listing.date_range_args(
            args, "published_from", "published_to"
        )
        if published_from:
            query = query.where(Drug.published_date >= published_from)
        if published_to:
            query = query.where(Drug.published_date <= published_to)
        return listing.with_bookkeeping_filters(query, Drug, args)

    def count_limit(self, args: Mapping[str, str]) -> int | None:
        """A name search counts its matches up to SEARCH_COUNT_LIMIT ("1,000+"): counting
        every drug whose title holds "tablet" would cost more than finding the page."""
        searching = (args.get("name") or args.get("q") or "").strip()
        return SEARCH_COUNT_LIMIT if searching else None

    def count_plan(self, args: Mapping[str, str]) -> AbstractContextManager[None] | None:
        """A name search counts (and, with few matches, pages) through the trigram index."""
        return matches_through_content_indexes()

    def check(self, record: Drug | None, changes: Mapping[str, Any]) -> None:
        set_id = changes.get("set_id")
        if record is None and not _SET_ID.fullmatch(set_id or ""):
            raise ValidationFailed(
                "set_id must be a DailyMed set id (a UUID such as "
                "'0b3b2f5e-8a5b-4a4e-9a51-6f0f6a3c9d10').",
                field="set_id",
            )

    def to_json(self, record: Drug) -> dict[str, Any]:
        values = record.column_values()
        return {
            "id": values["id"],
            "set_id": values["set_id"],
            "title": values["title"],
            **{name: values[name] for name in TITLE_FIELDS},
            "spl_version": values["spl_version"],
            "published_date": merge.json_value(values["published_date"]),
            "details_version": values["details_version"],
            "label_url": label_url(values["set_id"]),
            **records.bookkeeping_json(record, values),
        }

    def csv_export(self, query: sa.Select, args: Mapping[str, str]) -> listing.CsvExport:
        """`form=records` (the default): one row per drug, with its NDCs, labeler codes,
        classes and ingredients as "; "-joined lists, each read by a correlated subquery so the
        stream stays one query. `form=ndcs`: one row per NDC, the drug's fields beside it, for
        pharmacy systems. Both keep the list's filters."""
        form = listing.choice_arg(args, "form", CSV_FORMS) or "records"
        if form == "ndcs":
            drug_ids = query.with_only_columns(Drug.id).order_by(None)
            per_ndc = (
                sa.select(NdcCode, Drug)
                .join(Drug, Drug.id == NdcCode.drug_id)
                .where(Drug.id.in_(drug_ids))
                .order_by(Drug.title, Drug.id, NdcCode.kind, NdcCode.ndc)
            )
            return listing.CsvExport(per_ndc, NDC_CSV_COLUMNS, _ndc_csv_row, "drug-ndcs.csv")
        with_lists = query.add_columns(*_csv_lists())
        return listing.CsvExport(
            with_lists,
            self.csv_columns + CSV_LISTS + listing.BOOKKEEPING_CSV_COLUMNS,
            self._csv_row,
            self.csv_filename,
        )

    def _csv_row(self, row: sa.Row[Any]) -> dict[str, Any]:
        return {**self.to_json(row[0]), **{name: row._mapping[name] for name in CSV_LISTS}}

    def list_options(self) -> tuple[ExecutableOption, ...]:
        return _AS_LISTED

    def list_json(self, records: Sequence[Drug]) -> list[dict[str, Any]]:
        """List items: each drug and its classes, ordered as the detail orders them. The
        page's statement lists each drug's class ids; their fields come in one more statement,
        as plain rows (a fraction of the cost of building each drug's classes as JSON in
        PostgreSQL, or as ORM objects), and only those the process has not kept at the
        version of the classes the page read (datasets/drug_classes_read.py; bench/README.md,
        "Load")."""
        version = records[0].classes_version if records else None
        ids = {c for record in records for c in record.class_ids or ()}
        shown = classes_read.classes_by_id(ids, version)
        return [
            {
                **self.to_json(record),
                "classes": _in_shown_order(  # a class removed since the page was read: left out
                    shown[c] for c in record.class_ids or () if c in shown
                ),
            }
            for record in records
        ]

    def detail_json(self, record: Drug) -> dict[str, Any]:
        """A drug with its classes, NDCs (as printed and normalised) and ingredients."""
        loaded = _with_details(record.id)
        ndcs = sorted(loaded.ndc_codes, key=lambda n: (n.kind != "product", n.ndc))
        return {
            **self.list_json([loaded])[0],  # the list item, classes as the list shows them
            "ndcs": [
                {
                    "ndc": n.ndc,
                    "kind": n.kind,
                    "format": n.ndc_format,
                    "ndc11": n.ndc11,
                    "ndc11_hyphenated": hyphenated(n.ndc11),
                    "normalized": hyphenated(n.ndc11 or n.product_ndc9),
                    "product_ndc": n.product_ndc,
                    "labeler": n.labeler,
                    "package_description": n.package_description,
                }
                for n in ndcs
            ],
            "ingredients": [
                {"product_name": i.product_name, "name": i.name, "strength": i.strength}
                for i in sorted(loaded.ingredients, key=lambda i: (i.product_name or "", i.name))
            ],
        }


@contextmanager
def matches_through_content_indexes() -> Iterator[None]:
    """For the statements inside: find rows by bitmap index scans (the trigram index of a name
    search), not by walking a sort index or the table (SET LOCAL: this transaction only).

    So the capped count of a name search reads at most SEARCH_COUNT_LIMIT matches, and when
    that found them all, the page is sorted from those same matches; with more, PostgreSQL
    walks the sort order instead. Left to itself, the planner guesses how many rows '%term%'
    matches and walks all 100,000 titles for a rare term, or sorts 40,000 matches of a common
    one."""
    settings = ("enable_seqscan", "enable_indexscan", "enable_indexonlyscan")
    for name in settings:
        db.session.execute(sa.text(f"SET LOCAL {name} = off"))
    try:
        yield
    finally:
        for name in settings:
            db.session.execute(sa.text(f"SET LOCAL {name} TO DEFAULT"))


def _in_shown_order(classes: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """A drug's classes as the dashboard shows them: by type, then name (code point order)."""
    return sorted(classes, key=lambda c: (c["class_type"], c["name"], c["id"]))


# What a list item needs beyond the drug's columns: its class ids and the classes' version.
_AS_LISTED = (
    undefer(Drug.class_ids),
    with_expression(Drug.classes_version, classes_read.VERSION),
)


def _with_details(record_id: int) -> Drug:
    return db.session.scalars(
        sa.select(Drug)
        .where(Drug.id == record_id)
        .options(
            *_AS_LISTED,  # the list item's fields, which the detail starts from
            selectinload(Drug.ndc_codes),
            selectinload(Drug.ingredients),
        )
        .execution_options(populate_existing=True)
    ).one()


service = DrugService()
