"""What operators watch: the logs' format (`logs`: text or JSON lines, the app's and gunicorn's)
and the Prometheus metrics (`metrics`: `/metrics` for admins, request latency per route, and the
runs' figures read from PostgreSQL at scrape time).

May import: `config`, `database`, `models`, `accounts` (the role check), `errors`, `jobs` (the
run-id log filter), prometheus-client and python-json-logger. Imported by `app` and
`gunicorn.conf.py` only.
"""
