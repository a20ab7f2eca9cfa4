"""A client's socket command, validated field by field.

A handler (see live.registry.Handler) reads its fields through `Frame`, so a
wrong type is refused with the same sentence whichever app owns the command.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from core.exceptions import InvalidInput


class Frame:
    """A client message: a JSON object with a string "type". Its fields are
    read through number(), optional_int() and text(), which refuse a wrong type."""

    def __init__(self, message: dict[str, Any]) -> None:
        self.message = message
        self.type: str = message["type"]

    def get(self, field: str) -> Any:
        return self.message.get(field)

    def number(self, field: str) -> int:
        value = self.optional_int(field)
        if value is None:
            raise InvalidInput(_("%(field)s must be a number.") % {"field": field})
        return value

    def optional_int(self, field: str) -> int | None:
        value = self.message.get(field)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise InvalidInput(_("%(field)s must be a number.") % {"field": field})
        return value

    def text(self, field: str) -> str:
        """The field as text; empty when missing."""
        return str(self.message.get(field) or "")
