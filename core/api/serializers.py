"""Serializers every app's API shares."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
    errors = serializers.DictField(  # type: ignore[assignment]  # schema only
        required=False, help_text=_("Messages per field.")
    )


def decimal_string(*, decimal_places: int = 4, **kwargs: Any) -> serializers.DecimalField:
    """A decimal as selectors send it: a string in plain notation ("2.5000",
    "15.5"), never a float. In the schema: a string of format decimal whose
    pattern allows at most `decimal_places` digits after the point."""
    return serializers.DecimalField(
        max_digits=24 + decimal_places, decimal_places=decimal_places, **kwargs
    )


# The largest values the database columns hold: an id (BigAutoField), a
# PositiveIntegerField and a PositiveSmallIntegerField (PostgreSQL's ranges;
# a larger number would fail in the database instead of answering 400).
MAX_ID = 2**63 - 1
MAX_INT = 2**31 - 1
MAX_SMALL = 2**15 - 1
