"""The browsable datasets: one record service (`records.RecordService`: lookup-or-404,
validation naming the field, edits with `version`, create, replace, delete, review, revert,
history, archive, restore) and each dataset's declaration on it (`authorizations`, `drugs`,
`drug_classes`), `listing` (the list filters every dataset shares), `bulk` (actions on a
selection, all or nothing), plus `overview`, the figures on the Overview screen.

May import: `merge` (every write goes through the rules), `database`, `models`, `errors`,
`config`, and `scraper`'s pure helpers (NDC forms). Imported by `api`, `web`, `sync` (a dataset's
merge declaration) and `cli`.
"""
