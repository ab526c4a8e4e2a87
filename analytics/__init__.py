"""Analytics: analyzers over the drug data, each computed in SQL (GROUP BY, window functions,
FILTER, arrays) under the filters every analyzer accepts — never by loading every row into
Python. `filters` reads and applies the filters, `registry` names the analyzers, and each
analyzer lives in its own module: a function `(filters) -> {"summary": ..., "data": ...}`.

May import: `database`, `models`, `errors`, `config` (constants) and the pure helpers of
`scraper.ndc`. Never imports `api`, `web`, `cli`, `sync` or `jobs`: the routes call it, it
calls nobody above the database.
"""
