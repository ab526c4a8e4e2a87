"""The sandbox: local stand-ins for the outside sources, for tests, benchmarks and the demo.

- `dailymed` (+ `catalogue`, `dailymed_state`, `drug_vocabulary`): a DailyMed-compatible REST API
  (the contract in docs/dailymed.md), deterministic, with optional latency and fault injection;
- `portal`: a demo portal with a login, a paged authorization table drawn by JavaScript;
- `server`: both on one port (`python -m sandbox`).

A separate package: the product never imports it; tests, bench/ and `make demo` do.
"""
