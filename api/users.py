"""Users and API tokens (admin), and who am I (anyone signed in)."""

from __future__ import annotations

from flask import jsonify
from flask_login import current_user

import accounts
from accounts.access import require_role
from api import bp, params, schemas
from api.openapi import valid_body, validate
from api.pagination import each, paginate, sort_clause
from api.serializers import token_json, user_json
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
@validate(answer=schemas.One)
def me():
    """Who is asking: id, username and role."""
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
@validate(query=params.list_query("UserListQuery", tuple(USER_SORTS)), answer=schemas.Page)
def list_users():
    """The users (admin)."""
    order = sort_clause(USER_SORTS, "username")
    return paginate(accounts.list_users_query().order_by(None).order_by(*order), each(user_json))


@bp.post("/users")
@require_role("admin")
@validate(json=schemas.UserCreateBody, answer=schemas.One, status=201)
def create_user():
    """Add a user (admin): username, password, role."""
    body = valid_body()
    user = accounts.create_user(
        body.username,
        body.password,
        body.role,
        acting_user=current_user,
    )
    return jsonify({"success": True, "data": user_json(user)}), 201


@bp.get("/users/<int:user_id>")
@require_role("admin")
@validate(answer=schemas.One)
def get_user(user_id: int):
    """One user (admin)."""
    return jsonify({"success": True, "data": user_json(accounts.get_user(user_id))})


@bp.patch("/users/<int:user_id>")
@require_role("admin")
@validate(json=schemas.UserUpdateBody, answer=schemas.One)
def update_user(user_id: int):
    """Change a user's role, password or is_active (admin); each ends their sessions."""
    changes = valid_body().model_dump(exclude_unset=True)
    user = accounts.update_user(accounts.get_user(user_id), changes, acting_user=current_user)
    return jsonify({"success": True, "data": user_json(user)})


@bp.get("/tokens")
@require_role("admin")
@validate(query=params.list_query("TokenListQuery", tuple(TOKEN_SORTS)), answer=schemas.Page)
def list_tokens():
    """The API tokens (admin); never their secrets."""
    order = sort_clause(TOKEN_SORTS, "-created_at")
    return paginate(accounts.list_tokens_query().order_by(None).order_by(*order), each(token_json))


@bp.post("/tokens")
@require_role("admin")
@validate(json=schemas.TokenCreateBody, answer=schemas.One, status=201)
def create_token():
    """Issue an API token (admin): the secret is in this answer only."""
    body = valid_body()
    owner = accounts.get_user(body.user_id) if body.user_id else current_user
    issued = accounts.create_token(owner, body.name, acting_user=current_user)
    return jsonify(
        {"success": True, "data": {**token_json(issued.token), "token": issued.plaintext}}
    ), 201


@bp.post("/tokens/<int:token_id>/revoke")
@require_role("admin")
@validate(answer=schemas.One)
def revoke_token(token_id: int):
    """Revoke a token (admin): it stops working at once."""
    token = accounts.revoke_token(accounts.get_token(token_id), acting_user=current_user)
    return jsonify({"success": True, "data": token_json(token)})
