"""Scrapers: fetch and parse the outside sources, return plain records.

- `http`: the polite HTTP client (bounded concurrency, rate cap, retries honouring Retry-After);
- `dailymed` (the DailyMed REST client) and `dailymed_records` (its records and tolerant parsers);
- `ndc`: NDC forms and normalisation (pure functions);
- `browser` (a local or remote WebDriver), `portal` (sign in, read the table) and
  `portal_profile` (the profile that describes a portal; built-ins in `profiles/*.json`).

Never touches the database. May import only the standard library, requests, Selenium and
BeautifulSoup. Progress and cancellation reach it through a duck-typed reporter argument.
"""
