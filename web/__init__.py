"""The HTML side: the dashboard shell and `/health` (`pages`), and the sign-in page (`login`).

Routes only: they call `accounts` and `datasets` and render `templates/`. The dashboard's
behaviour lives in `static/js`, which talks to `api`. May import: `accounts`, `datasets`,
`api.serializers`, `database`, `models`, `errors`. Nothing imports it but `app`.
"""
