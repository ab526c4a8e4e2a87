"""Analytics: analyzers over the drug data, each computed in SQL (GROUP BY, window functions,
FILTER, arrays) under the filters every analyzer accepts — never by loading every row into
Python. `filters` reads and applies the filters, `registry` names the analyzers, and each
analyzer lives in its own module: a function `(filters) -> {"summary": ..., "data": ...}`.
Runs store them: `runs` computes every analyzer unfiltered under a run, `results` stores and reads
the documents and typed rows (and picks latest / a run's / live for the API), `compare` sets two
runs side by side, and `job` registers the run as the "analytics" job of the engine.

May import: `database`, `models`, `errors`, `config` (constants) and the pure helpers of
`scraper.ndc`, and `reporting` (the progress seam). Never imports `api`, `web`, `cli`, `sync`
or `jobs` — but `job`, which registers the analytics run with `jobs.engine`: the routes call it,
it calls nobody above the database.
"""
