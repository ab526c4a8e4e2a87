"""OpenAPI links from an answer to the operations that use what it names: the record a POST
made, to read, edit, replace and delete it (with the version it holds: a write must name it); a
run to its log, changes and cancel; a stored result, to read, note and delete it. schemathesis's
stateful phase follows them to test sequences (create → edit → delete → read: 404).

Only answers that always hold the value link (a list may be empty, and schemathesis counts a
link it cannot follow as an error). spectree 3 has no place for links (its Response maps a
status to a model, nothing more), so they are added here, to the document it made, by
operationId."""

from __future__ import annotations

from typing import Any

RECORD = "$response.body#/data/id"
VERSION = "$response.body#/data/version"


def _record_links(dataset: str, *, replace: bool) -> dict[str, dict[str, Any]]:
    """A dataset's record answers (one record, with its version) → the record's operations."""
    reads = (f"get_{dataset}", f"history_{dataset}")
    writes = (f"update_{dataset}", f"delete_{dataset}", *((f"replace_{dataset}",) * replace))
    targets: dict[str, dict[str, Any]] = {
        **{name: {"parameters": {"path.record_id": RECORD}} for name in reads},
        **{
            name: {
                "parameters": {"path.record_id": RECORD, "query.version": VERSION},
                "requestBody": {"version": VERSION},  # merged into the body schemathesis makes
            }
            for name in writes
        },
    }
    answering_one = ["create", "get", "update", *(["replace"] if replace else [])]
    links = {f"{kind}_{dataset}": targets for kind in answering_one}
    # After a delete, the record's read: 404 once a manual record is gone (use-after-free).
    links[f"delete_{dataset}"] = {f"get_{dataset}": {"parameters": {"path.record_id": RECORD}}}
    return links


RUN = "$response.body#/id"
RESULT = "$response.body#/id"
LINKS: dict[str, dict[str, dict[str, Any]]] = {
    **_record_links("authorizations", replace=False),
    **_record_links("drugs", replace=True),
    **_record_links("drug_classes", replace=True),
    "create_user": {
        name: {"parameters": {"path.user_id": RECORD}} for name in ("get_user", "update_user")
    },
    "create_token": {
        "get_user": {"parameters": {"path.user_id": "$response.body#/data/user_id"}},
        "list_tokens": {"parameters": {}},
    },
    "scrape_status": {
        "run_log_lines": {"parameters": {"path.run_id": RUN}},
        "run_changes": {"parameters": {"path.run_id": RUN}},
        "cancel_scrape": {"parameters": {"path.job_id": RUN}},
    },
    "get_result": {
        name: {"parameters": {"path.result_id": RESULT}}
        for name in ("update_result", "delete_result")
    },
    "update_result": {
        name: {"parameters": {"path.result_id": RESULT}} for name in ("get_result", "delete_result")
    },
    "delete_result": {"get_result": {"parameters": {"path.result_id": "$response.body#/deleted"}}},
}


def link(operation: dict[str, Any]) -> None:
    targets = LINKS.get(operation["operationId"])
    if not targets:
        return
    success = next(code for code in operation["responses"] if code.startswith("2"))
    operation["responses"][success]["links"] = {
        target: {"operationId": target, **definition} for target, definition in targets.items()
    }
