"""What every app's REST views share: the base view, parsing, downloads'
content negotiation, and the error responses in the schema."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext, gettext_lazy
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import BaseParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from core.api.authentication import SessionAuthentication
from core.api.serializers import ErrorSerializer

ERROR_TEXTS = {
    400: gettext_lazy("Invalid input, or a refused file or token"),
    401: gettext_lazy("Not logged in"),
    403: gettext_lazy("Not allowed"),
    404: gettext_lazy("Not found (or not visible to you)"),
    409: gettext_lazy("Conflicts with the current state"),
    413: gettext_lazy("The file is over the size limit"),
    429: gettext_lazy("Too many attempts; wait a minute"),
}


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """Schema entries for the error responses an endpoint can give (and 401)."""
    return {
        code: OpenApiResponse(ErrorSerializer, description=str(ERROR_TEXTS[code]))
        for code in (401, *codes)
    }


def parse(
    serializer_class: type[serializers.Serializer], data: Any, *, known_only: bool = False
) -> dict[str, Any]:
    """The request body, validated. `known_only` (every PATCH): a field the
    serializer does not take is refused with 400 (code `invalid`), naming it
    and the fields there are, instead of being dropped without a word."""
    serializer = serializer_class(data=data)
    if known_only and isinstance(data, Mapping):
        unknown = sorted(str(name) for name in data if name not in serializer.fields)
        if unknown:
            message = gettext("Unknown field: this request changes only %(fields)s.") % {
                "fields": ", ".join(serializer.fields)
            }
            hint = getattr(serializer_class, "unknown_field_hint", "")
            if hint:
                message = f"{message} {hint}"
            raise serializers.ValidationError({name: [message] for name in unknown})
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class DownloadNegotiation(BaseContentNegotiation):
    """Downloads answer their file (and errors JSON) whatever the Accept header says."""

    def select_parser(self, request: Request, parsers: Iterable[BaseParser]) -> BaseParser | None:
        return next(iter(parsers), None)

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> tuple[BaseRenderer, str]:
        renderer = next(iter(renderers))
        return renderer, renderer.media_type


# Session cookie (401 when missing), logged-in users only. No docstring:
# drf-spectacular would show it as every endpoint's description.
class ApiView(APIView):
    authentication_classes = [SessionAuthentication]
    permission_classes = [IsAuthenticated]
