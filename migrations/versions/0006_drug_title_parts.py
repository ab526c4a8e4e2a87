"""drugs: brand name, generic name, dosage form and labeler name read from the title

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30

Four synced fields (people may correct them; a sync that changes one they corrected asks for
review), filled here for every existing drug from its title by `scraper.dailymed_titles`, so
nobody waits for a sync to see them; each later sync keeps them current. A drug a sync wrote is
read from the source's title (`source_values.title`, which a person's correction of the title
does not change) and the values are recorded as the source's, so the next sync finds nothing
changed; a drug a person made is read from its title, with no source value. The backfill is
no edit: versions, `updated_at` and the change history stay as they were.

Indexes on lower(labeler_name) and lower(dosage_form) serve the Drugs list's exact,
case-insensitive `labeler` and `dosage_form` filters.
"""

import sqlalchemy as sa
from alembic import op

from scraper.dailymed_titles import parse_title

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

COLUMNS = ("brand_name", "generic_name", "dosage_form", "labeler_name")
BATCH = 5000

_FILL = sa.text(
    """
    UPDATE drugs AS d
    SET brand_name = v.brand_name, generic_name = v.generic_name,
        dosage_form = v.dosage_form, labeler_name = v.labeler_name,
        source_values = CASE WHEN v.from_source THEN d.source_values || jsonb_build_object(
            'brand_name', v.brand_name, 'generic_name', v.generic_name,
            'dosage_form', v.dosage_form, 'labeler_name', v.labeler_name)
            ELSE d.source_values END
    FROM unnest(CAST(:ids AS integer[]), CAST(:brand_name AS text[]),
                CAST(:generic_name AS text[]), CAST(:dosage_form AS text[]),
                CAST(:labeler_name AS text[]), CAST(:from_source AS boolean[]))
         AS v(id, brand_name, generic_name, dosage_form, labeler_name, from_source)
    WHERE d.id = v.id
    """
)


def upgrade():
    for name in COLUMNS:
        op.add_column("drugs", sa.Column(name, sa.Text(), nullable=True))
    fill_from_titles(op.get_bind())
    op.create_index("drugs_labeler_name_lower", "drugs", [sa.text("lower(labeler_name)")])
    op.create_index("drugs_dosage_form_lower", "drugs", [sa.text("lower(dosage_form)")])


def fill_from_titles(conn) -> None:
    """Every drug's four fields from its title, BATCH drugs per statement."""
    last_id = 0
    while True:
        rows = conn.execute(
            sa.text(
                "SELECT id, source_values ->> 'title', title FROM drugs "
                "WHERE id > :last_id ORDER BY id LIMIT :batch"
            ),
            {"last_id": last_id, "batch": BATCH},
        ).all()
        if not rows:
            return
        values = {name: [] for name in ("ids", *COLUMNS, "from_source")}
        for record_id, source_title, title in rows:
            parts = parse_title(source_title if source_title is not None else title).fields()
            values["ids"].append(record_id)
            values["from_source"].append(source_title is not None)
            for name in COLUMNS:
                values[name].append(parts[name])
        conn.execute(_FILL, values)
        last_id = rows[-1][0]


def downgrade():
    op.drop_index("drugs_dosage_form_lower", table_name="drugs")
    op.drop_index("drugs_labeler_name_lower", table_name="drugs")
    # Forget the fields in the bookkeeping too: a correction of one of them no longer exists,
    # and whether the record is edited or needs review follows from the fields that remain.
    removed = " - ".join(f"'{name}'" for name in COLUMNS)
    op.execute(
        f"UPDATE drugs SET source_values = source_values - {removed}, "
        f"manual_fields = manual_fields - {removed}"
    )
    op.execute(
        """
        UPDATE drugs SET is_manually_edited = manual_fields <> '{}'::jsonb,
            needs_review = EXISTS (
                SELECT 1 FROM jsonb_each(manual_fields) AS m
                WHERE source_values ? m.key
                  AND source_values -> m.key
                      IS DISTINCT FROM coalesce(m.value -> 'source_baseline', 'null'::jsonb))
        """
    )
    for name in reversed(COLUMNS):
        op.drop_column("drugs", name)
