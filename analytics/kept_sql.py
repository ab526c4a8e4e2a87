"""The SQL of the kept counts (`analytics.kept`): what each drug contributes
(`CONTRIBUTIONS`, the one definition the build, every catch-up and the tests use) and the
statements of a catch-up (`CATCH_UP`), which take the noted drugs, derive their contributions
again and move the counts, groups and stems by the difference."""

from __future__ import annotations

from analytics.stem_rules import CUTS, EXAMPLES, cut_sql, long_enough_sql

_STEM_OF_A, _LONG_ENOUGH_A = cut_sql("a.moiety"), long_enough_sql("a.moiety")

# What each drug in `kept_scope` (the drugs to derive again) contributes, when unarchived.
# - ndc_labeler: its labelers (normalised five digits), so labels per labeler;
# - ndc_product / ndc_package: per labeler, its normalised product (5-4) and package (5-4-2)
#   codes: the groups count a labeler's distinct products and packages, a package's count its
#   labels (a package code starts with its labeler's digits, so it is one key);
# - ndc_printed: per labeler, the labeler names as printed;
# - ndc_format: its codes per printed format (weight: how many);
# - ndc_unrecognised: its codes fitting no NDC form, as printed (weight: how many);
# - ndc_count: how many codes it has (one key per drug with codes: the histogram);
# - no_ndcs: one key when it has no codes;
# - class_labels: its classes that are not archived; class_count: how many (when any);
# - drug_flag: the bookkeeping flags it has set;
# - name_kind: brand, generic (a generic name only) or unnamed; name_length: per name field
#   (title, brand_name, generic_name) the length of the one it has;
# - generic_name, moiety: its generic names and active moieties (`drug_facts`); name_moiety:
#   per moiety, its generic names naming it;
# - stem_label_repeat: per stem kind, the stems several of its moieties have (weight: how many
#   times too often summing the moieties' labels counts it); stem_name_repeat: the same per
#   generic name, "STEM<tab>NAME<tab>EXTRA" (the stems' sums less these, `analytics.stems`).
CONTRIBUTIONS = rf"""
WITH kept AS (
  SELECT d.id, d.title, d.brand_name, d.generic_name,
         d.is_manually_edited, d.needs_review, d.missing_from_source
  FROM drugs d JOIN kept_scope s ON s.drug_id = d.id
  WHERE d.archived_at IS NULL
),
facts AS (
  SELECT f.* FROM drug_facts f JOIN kept k ON k.id = f.drug_id
),
name_pairs AS (
  SELECT f.drug_id, split_part(p.pair, E'\t', 1) AS name, split_part(p.pair, E'\t', 2) AS moiety
  FROM facts f CROSS JOIN LATERAL unnest(f.name_moieties) AS p (pair)
),
moieties AS (
  SELECT f.drug_id, m.moiety FROM facts f CROSS JOIN LATERAL unnest(f.moieties) AS m (moiety)
  WHERE cardinality(f.moieties) > 1
),
crowded_moieties AS (
  SELECT DISTINCT a.drug_id, a.moiety
  FROM moieties a JOIN moieties b ON b.drug_id = a.drug_id AND b.moiety <> a.moiety
    AND (left(b.moiety, 3) = left(a.moiety, 3) OR right(b.moiety, 3) = right(a.moiety, 3))
),
crowded_names AS (
  SELECT DISTINCT a.drug_id, a.name, a.moiety
  FROM name_pairs a JOIN name_pairs b ON b.drug_id = a.drug_id AND b.name = a.name
    AND b.moiety <> a.moiety
    AND (left(b.moiety, 3) = left(a.moiety, 3) OR right(b.moiety, 3) = right(a.moiety, 3))
),
codes AS (
  SELECT c.drug_id, c.ndc, c.ndc_format, c.ndc11, c.product_ndc9, c.labeler, c.labeler5
  FROM ndc_codes c JOIN kept k ON k.id = c.drug_id
),
classes AS (
  SELECT m.drug_id, m.drug_class_id
  FROM drug_class_memberships m JOIN kept k ON k.id = m.drug_id
  JOIN drug_classes k2 ON k2.id = m.drug_class_id AND k2.archived_at IS NULL
)
SELECT v.kind, v.grp, v.key, c.drug_id, count(*)::integer AS weight
FROM codes c
CROSS JOIN LATERAL (VALUES
  ('ndc_labeler', '', c.labeler5),
  ('ndc_product', c.labeler5, c.product_ndc9),
  ('ndc_package', c.labeler5, c.ndc11),
  ('ndc_printed', c.labeler5, c.labeler),
  ('ndc_format', '', c.ndc_format),
  ('ndc_unrecognised', '', CASE WHEN c.ndc_format = 'unrecognised' THEN c.ndc END)
) AS v (kind, grp, key)
WHERE v.grp IS NOT NULL AND v.key IS NOT NULL
GROUP BY v.kind, v.grp, v.key, c.drug_id
UNION ALL
SELECT 'ndc_count', '', count(*)::text, drug_id, 1 FROM codes GROUP BY drug_id
UNION ALL
SELECT 'no_ndcs', '', '', k.id, 1 FROM kept k
WHERE NOT EXISTS (SELECT FROM ndc_codes c WHERE c.drug_id = k.id)
UNION ALL
SELECT 'class_labels', '', drug_class_id::text, drug_id, 1 FROM classes
UNION ALL
SELECT 'class_count', '', count(*)::text, drug_id, 1 FROM classes GROUP BY drug_id
UNION ALL
SELECT 'drug_flag', '', f.flag, k.id, 1
FROM kept k CROSS JOIN LATERAL (VALUES
  ('edited', k.is_manually_edited),
  ('needs_review', k.needs_review),
  ('missing_from_source', k.missing_from_source)
) AS f (flag, is_set)
WHERE f.is_set
UNION ALL
SELECT 'name_kind', '', CASE
  WHEN coalesce(k.brand_name, '') <> '' THEN 'brand'
  WHEN coalesce(k.generic_name, '') <> '' THEN 'generic'
  ELSE 'unnamed' END, k.id, 1
FROM kept k
UNION ALL
SELECT 'name_length', f.field, char_length(f.name)::text, k.id, 1
FROM kept k CROSS JOIN LATERAL (VALUES
  ('title', k.title), ('brand_name', k.brand_name), ('generic_name', k.generic_name)
) AS f (field, name)
WHERE coalesce(f.name, '') <> ''
UNION ALL
SELECT DISTINCT 'generic_name', '', n.name, f.drug_id, 1
FROM facts f CROSS JOIN LATERAL unnest(f.generic_names) AS n (name)
UNION ALL
SELECT DISTINCT 'name_moiety', moiety, name, drug_id, 1 FROM name_pairs
UNION ALL
SELECT DISTINCT 'moiety', '', m.moiety, f.drug_id, 1
FROM facts f CROSS JOIN LATERAL unnest(f.moieties) AS m (moiety)
UNION ALL
SELECT 'stem_label_repeat', l.kind, {_STEM_OF_A}, a.drug_id, count(*)::integer - 1
FROM crowded_moieties a CROSS JOIN {CUTS} AS l (kind, length)
WHERE {_LONG_ENOUGH_A}
GROUP BY l.kind, {_STEM_OF_A}, a.drug_id HAVING count(*) > 1
UNION ALL
SELECT DISTINCT 'stem_name_repeat', l.kind,
  {_STEM_OF_A} || E'\t' || a.name || E'\t' || (count(*) - 1)::text, a.drug_id, 1
FROM crowded_names a CROSS JOIN {CUTS} AS l (kind, length)
WHERE {_LONG_ENOUGH_A}
GROUP BY l.kind, {_STEM_OF_A}, a.name, a.drug_id HAVING count(*) > 1
"""  # noqa: S608 (constants only)

LOCK = 0x6B657074  # "kept": one catch-up at a time, across processes

# The statements of a catch-up, in order, in one transaction.
# The stems (`analytics.stems`): per stem of each moiety, the moieties having it and the sums of
# their names and labels, moved by what moved per moiety — its labels (kind "moiety"), its names
# and whether it is there at all (the groups of kind "name_moiety"); and the first names of the
# stems whose moieties gained or lost a name, found again.
_STEMS_CATCH_UP = (
    "CREATE TEMPORARY TABLE kept_moieties ON COMMIT DROP AS "
    "SELECT moiety, sum(labels)::integer AS labels, sum(names)::integer AS names, "
    "sum(present)::integer AS present, bool_or(renamed) AS renamed FROM ("
    "SELECT key AS moiety, after - before AS labels, 0 AS names, 0 AS present, false AS renamed "
    "FROM kept_moved WHERE kind = 'moiety' "
    "UNION ALL SELECT grp, 0, after - before, "
    "CASE WHEN before = 0 THEN 1 WHEN after = 0 THEN -1 ELSE 0 END, false "
    "FROM kept_groups_moved WHERE kind = 'name_moiety' "
    "UNION ALL SELECT DISTINCT grp, 0, 0, 0, true FROM kept_moved "
    "WHERE kind = 'name_moiety' AND (before = 0) <> (after = 0)"
    ") AS per_moiety GROUP BY moiety",
    "CREATE TEMPORARY TABLE kept_stems ON COMMIT DROP AS "  # noqa: S608 (constants)
    f"SELECT l.kind, {cut_sql('m.moiety')} AS stem, sum(m.present)::integer AS moieties, "
    "sum(m.names)::integer AS names, sum(m.labels) AS labels, bool_or(m.renamed) AS renamed "
    f"FROM kept_moieties m CROSS JOIN {CUTS} AS l (kind, length) "
    f"WHERE {long_enough_sql('m.moiety')} GROUP BY 1, 2",
    "INSERT INTO analytics_stems (kind, stem, moieties, names_sum, labels_sum, examples) "
    "SELECT kind, stem, moieties, names, labels, '{}' FROM kept_stems ORDER BY kind, stem "
    "ON CONFLICT (kind, stem) DO UPDATE SET "
    "moieties = analytics_stems.moieties + excluded.moieties, "
    "names_sum = analytics_stems.names_sum + excluded.names_sum, "
    "labels_sum = analytics_stems.labels_sum + excluded.labels_sum",
    "DELETE FROM analytics_stems s USING kept_stems k "
    "WHERE (s.kind, s.stem) = (k.kind, k.stem) AND s.moieties = 0",
    # A renamed stem's first names: the first EXAMPLES of each of its moieties' names (in the
    # database's collation), then the first of those. (Skipped when no stem was renamed.)
    "WITH renamed AS (SELECT kind, stem FROM kept_stems WHERE renamed), "  # noqa: S608
    "moiety_stems AS (SELECT r.kind, r.stem, g.grp AS moiety FROM analytics_groups g "
    f"CROSS JOIN {CUTS} AS l (kind, length) "
    f"JOIN renamed r ON r.kind = l.kind AND r.stem = {cut_sql('g.grp')} "
    f"WHERE g.kind = 'name_moiety' AND {long_enough_sql('g.grp')}), "
    "firsts AS (SELECT s.kind, s.stem, n.name FROM moiety_stems s CROSS JOIN LATERAL ("
    'SELECT c.key COLLATE "default" AS name FROM analytics_counts c '
    "WHERE c.kind = 'name_moiety' AND c.grp = s.moiety "
    f'ORDER BY c.key COLLATE "default" LIMIT {EXAMPLES}) AS n), '
    "found AS (SELECT kind, stem, (array_agg(DISTINCT name ORDER BY name))"
    f"[1:{EXAMPLES}] AS examples FROM firsts GROUP BY kind, stem) "
    "UPDATE analytics_stems s SET examples = f.examples FROM found f "
    "WHERE (s.kind, s.stem) = (f.kind, f.stem)",
)
FIRST_NAMES = _STEMS_CATCH_UP[-1]

CATCH_UP = (
    # The tables the contributions are derived from, held from the start (as reading them would
    # hold them, only sooner): a TRUNCATE of one (its trigger empties the kept tables) waits for
    # this catch-up, or this for it — never each for the other.
    "LOCK TABLE drugs, ndc_codes, drug_class_memberships, drug_classes, drug_facts "
    "IN ACCESS SHARE MODE",
    f"SELECT pg_advisory_xact_lock({LOCK})",
    # The kept rows are read from memory: a lookup by id costs little more than a sequential
    # read, so a few drugs' rows are fetched by id (as `analytics.registry` sets it).
    "SET LOCAL random_page_cost = 1.1",
    "CREATE TEMPORARY TABLE kept_scope (drug_id integer PRIMARY KEY) ON COMMIT DROP",
    # The noted drugs committed so far, and the members now of the noted classes; notes
    # committed later stay for the next catch-up (their drugs may be derived now and again
    # then: a derivation replaces, it never adds twice).
    "WITH taken AS (DELETE FROM analytics_dirty RETURNING drug_id), "
    "classes AS (DELETE FROM analytics_dirty_classes RETURNING class_id) "
    "INSERT INTO kept_scope SELECT drug_id FROM taken UNION "
    "SELECT m.drug_id FROM drug_class_memberships m JOIN classes c "
    "ON c.class_id = m.drug_class_id",
    # Its size known, the planner fetches the few drugs' rows by id instead of scanning all.
    "ANALYZE kept_scope",
    # What the drugs contribute now (+1) against what they contributed (-1), per contribution:
    # the ones that differ (most of a re-fetched label's are the same), each with its change in
    # labels (+1 new, -1 gone, 0 another weight), in weight, and its weight now.
    "CREATE TEMPORARY TABLE kept_diff ON COMMIT DROP AS "  # noqa: S608 (constants)
    "SELECT kind, grp, key, drug_id, sum(labels)::integer AS labels, "
    "sum(weight)::integer AS weight, max(now) AS now FROM ("
    'SELECT kind COLLATE "C" AS kind, grp COLLATE "C" AS grp, key COLLATE "C" AS key, '
    "drug_id, 1 AS labels, weight, weight AS now FROM (" + CONTRIBUTIONS + ") AS derived "
    "UNION ALL SELECT c.kind, c.grp, c.key, c.drug_id, -1, -c.weight, NULL "
    "FROM analytics_contributions c JOIN kept_scope s ON s.drug_id = c.drug_id"
    ") AS both_ GROUP BY kind, grp, key, drug_id HAVING sum(labels) <> 0 OR sum(weight) <> 0",
    "ANALYZE kept_diff",
    "DELETE FROM analytics_contributions c USING kept_diff d "
    "WHERE (c.drug_id, c.kind, c.grp, c.key) = (d.drug_id, d.kind, d.grp, d.key) "
    "AND d.labels = -1",
    "UPDATE analytics_contributions c SET weight = d.now FROM kept_diff d "
    "WHERE (c.drug_id, c.kind, c.grp, c.key) = (d.drug_id, d.kind, d.grp, d.key) "
    "AND d.labels = 0",
    "INSERT INTO analytics_contributions (kind, grp, key, drug_id, weight) "
    "SELECT kind, grp, key, drug_id, now FROM kept_diff WHERE labels = 1 ORDER BY drug_id",
    "CREATE TEMPORARY TABLE kept_keys ON COMMIT DROP AS "
    "SELECT kind, grp, key, sum(labels)::integer AS labels, sum(weight) AS weight "
    "FROM kept_diff GROUP BY kind, grp, key "
    "HAVING sum(labels) <> 0 OR sum(weight) <> 0",
    # The counts moved by the difference; each key's labels before and after, for the groups.
    "CREATE TEMPORARY TABLE kept_moved ON COMMIT DROP AS "
    "WITH moved AS (INSERT INTO analytics_counts (kind, grp, key, labels, weight) "
    "SELECT kind, grp, key, labels, weight FROM kept_keys ORDER BY kind, grp, key "
    "ON CONFLICT (kind, grp, key) DO UPDATE SET labels = analytics_counts.labels + "
    "excluded.labels, weight = analytics_counts.weight + excluded.weight "
    "RETURNING kind, grp, key, labels) "
    "SELECT m.kind, m.grp, m.key, m.labels - k.labels AS before, m.labels AS after "
    "FROM moved m JOIN kept_keys k USING (kind, grp, key)",
    "DELETE FROM analytics_counts c USING kept_keys k "
    "WHERE (c.kind, c.grp, c.key) = (k.kind, k.grp, k.key) AND c.labels = 0",
    # The groups moved by the keys that came or went; each group's keys before and after.
    "CREATE TEMPORARY TABLE kept_groups_moved ON COMMIT DROP AS "
    "WITH delta AS (SELECT kind, grp, sum(CASE WHEN before = 0 THEN 1 ELSE -1 END)::integer "
    "AS keys FROM kept_moved WHERE (before = 0) <> (after = 0) GROUP BY kind, grp), "
    "moved AS (INSERT INTO analytics_groups (kind, grp, key_count) "
    "SELECT kind, grp, keys FROM delta ORDER BY kind, grp "
    "ON CONFLICT (kind, grp) DO UPDATE "
    "SET key_count = analytics_groups.key_count + excluded.key_count "
    "RETURNING kind, grp, key_count) "
    "SELECT m.kind, m.grp, m.key_count - d.keys AS before, m.key_count AS after "
    "FROM moved m JOIN delta d USING (kind, grp)",
    "DELETE FROM analytics_groups g USING kept_groups_moved m "
    "WHERE (g.kind, g.grp) = (m.kind, m.grp) AND g.key_count = 0",
    *_STEMS_CATCH_UP,
)
