"""The merge rules: what a sync may overwrite, what a person's edit protects, what needs review.

One module for every dataset (authorizations, drugs, drug classes). See `models.TrackedRecord`
for the bookkeeping columns. The rules:

- a sync inserts new records and updates fields that nobody corrected;
- a field a person corrected keeps the person's value; the source's latest value is kept beside it
  (`source_values`), and when it moves away from the value the person decided against
  (`manual_fields[f]["source_baseline"]`) the record needs review;
- when the source comes to agree with the person, the override ends (nothing is left to protect);
- the reviewer keeps their value (the baseline moves to the source's value) or takes the source's
  (the override goes);
- records a complete sync no longer sees are kept and marked missing, never deleted;
- a record a person created (no source has sent it: `origin` "manual") is joined by the first
  sync that brings its natural key (for an authorization, its authorization number): the
  person's values stay, the source's differing ones wait for review;
- deleting a record a source sends archives it (`archive`): hidden, and no sync brings it back
  (a sync still records the source's values and review state); deleting a manual one removes it;
- every change is written to `record_changes` with who (user or run) and when.

`bulk` is the set-based write helper the rules (and the DailyMed details) write through.
May import: `database`, `models`, `errors`. Imported by `datasets` and `sync`.
"""

from errors import Conflict  # noqa: F401  (callers catch merge.Conflict)
from merge.archive import (  # noqa: F401
    ARCHIVED,
    DELETED,
    RESTORED,
    UNCHANGED,
    check_version,
    delete_or_archive,
    restore,
)
from merge.core import (  # noqa: F401  (the package's public vocabulary)
    Actor,
    Dataset,
    MergeCounts,
    fields_needing_review,
    history_row,
    json_value,
    value_from_json,
    write_history,
)
from merge.people import apply_manual_edit, lock, record_event, resolve_review  # noqa: F401
from merge.sync import MergeResult, mark_missing, merge_rows  # noqa: F401
