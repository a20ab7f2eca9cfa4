"""Session authentication that answers 401 (not 403) to anonymous requests."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import SessionAuthentication as DrfSessionAuthentication
from rest_framework.request import Request


class SessionAuthentication(DrfSessionAuthentication):
    """Django's session cookie, with CSRF checks for unsafe methods.

    DRF answers 403 to an unauthenticated request unless the first
    authenticator names a WWW-Authenticate scheme; naming one turns "not
    logged in" into 401, which clients can tell apart from "not allowed".
    """

    def authenticate_header(self, request: Request) -> str:
        return "Session"


class SessionScheme(OpenApiAuthenticationExtension):
    """Describe the session cookie in the OpenAPI schema."""

    target_class = "core.api.authentication.SessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
