"""POST /api/auth/token: a bearer token for a username and password."""

from __future__ import annotations

from flask import current_app
from flask_smorest import Blueprint

from ..services import users
from .auth import current_user, login_required
from .schemas import MeSchema, TokenRequest, TokenResponse

blp = Blueprint("auth", __name__, url_prefix="/api/auth", description="Sign in")


@blp.post("/token")
@blp.arguments(TokenRequest)
@blp.response(200, TokenResponse)
@blp.doc(security=[])
def token(body):
    """Exchange a username and password for a bearer token."""
    value = users.issue_token(body["username"], body["password"])
    return {"token": value, "token_type": "Bearer",
            "expires_in": current_app.config["TOKEN_TTL_HOURS"] * 3600}


@blp.get("/me")
@login_required()
@blp.response(200, MeSchema)
def me():
    """Who the token belongs to."""
    return current_user()
