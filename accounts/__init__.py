"""Accounts: users, passwords, roles, API tokens, signing in and its throttle, and `access` —
the Flask wiring that decides who is asking (session or bearer token), closes every non-public
route, checks CSRF and sets the security headers — and `audit`, the one audit log (account events
beside the records' history).

May import: `config`, `database`, `models`, `errors`. Used by `web`, `api` and `cli`; never by
the scrapers, syncs or merge rules. The names below are the package's public vocabulary.
"""

from accounts.signin import LOGIN_FAILURES_ALLOWED, LoginThrottled, authenticate
from accounts.tokens import (
    TOKEN_PREFIX,
    IssuedToken,
    create_token,
    find_token,
    get_token,
    list_tokens_query,
    revoke_token,
    user_for_token,
)
from accounts.users import (
    create_user,
    ensure_initial_admin,
    find_user,
    get_user,
    hash_password,
    list_users_query,
    update_user,
    validate_password,
    validate_role,
    validate_username,
)

__all__ = [
    "LOGIN_FAILURES_ALLOWED",
    "TOKEN_PREFIX",
    "IssuedToken",
    "LoginThrottled",
    "authenticate",
    "create_token",
    "create_user",
    "ensure_initial_admin",
    "find_token",
    "find_user",
    "get_token",
    "get_user",
    "hash_password",
    "list_tokens_query",
    "list_users_query",
    "revoke_token",
    "update_user",
    "user_for_token",
    "validate_password",
    "validate_role",
    "validate_username",
]
