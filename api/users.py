"""Users and API tokens (admin), and who am I (anyone signed in)."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user

import accounts
from accounts.access import require_role
from api import bp
from api.pagination import paginate, sort_clause
from api.serializers import token_json, user_json
from api.validation import int_field, json_body
from models import ApiToken, User

USER_SORTS = {
    "username": User.username,
    "role": User.role,
    "created_at": User.created_at,
    "last_login_at": User.last_login_at,
}
TOKEN_SORTS = {
    "name": ApiToken.name,
    "created_at": ApiToken.created_at,
    "last_used_at": ApiToken.last_used_at,
}


@bp.get("/me")
def me():
    return jsonify(
        {
            "success": True,
            "data": {
                "id": current_user.id,
                "username": current_user.username,
                "role": current_user.role,
            },
        }
    )


@bp.get("/users")
@require_role("admin")
def list_users():
    order = sort_clause(USER_SORTS, "username")
    return paginate(accounts.list_users_query().order_by(None).order_by(*order), user_json)


@bp.post("/users")
@require_role("admin")
def create_user():
    body = json_body()
    user = accounts.create_user(
        body.get("username"),
        body.get("password"),
        body.get("role", "viewer"),
        acting_user=current_user,
    )
    return jsonify({"success": True, "data": user_json(user)}), 201


@bp.get("/users/<int:user_id>")
@require_role("admin")
def get_user(user_id: int):
    return jsonify({"success": True, "data": user_json(accounts.get_user(user_id))})


@bp.patch("/users/<int:user_id>")
@require_role("admin")
def update_user(user_id: int):
    user = accounts.update_user(accounts.get_user(user_id), json_body(), acting_user=current_user)
    return jsonify({"success": True, "data": user_json(user)})


@bp.get("/tokens")
@require_role("admin")
def list_tokens():
    order = sort_clause(TOKEN_SORTS, "-created_at")
    return paginate(accounts.list_tokens_query().order_by(None).order_by(*order), token_json)


@bp.post("/tokens")
@require_role("admin")
def create_token():
    body = json_body()
    owner = accounts.get_user(int_field(body, "user_id")) if body.get("user_id") else current_user
    issued = accounts.create_token(owner, body.get("name"), acting_user=current_user)
    return jsonify(
        {"success": True, "data": {**token_json(issued.token), "token": issued.plaintext}}
    ), 201


@bp.post("/tokens/<int:token_id>/revoke")
@require_role("admin")
def revoke_token(token_id: int):
    token = accounts.revoke_token(accounts.get_token(token_id), acting_user=current_user)
    return jsonify({"success": True, "data": token_json(token)})
