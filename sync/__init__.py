"""The sync jobs: what runs when someone asks for a portal or DailyMed sync.

- `portal`: signs into the portal with a real browser (`scraper.portal`) and merges the
  authorization table;
- `dailymed`: lists classes, labels and label details from DailyMed (`scraper.dailymed`) in
  phases, incrementally; `dailymed_store` is its set-based write path.

Each module registers itself with the job engine (`@engine.register("portal")`), so importing
this package makes both sources available. May import: `scraper` (records in), `merge` (the
rules and bulk writes), `datasets` (each dataset's merge declaration), `jobs`, `database`,
`models`, `config`. Never imported by `scraper`, `merge` or `jobs`.
"""

from sync import dailymed, portal  # noqa: F401  (registers the jobs)
