"""Numbers as people read them: a weight stored as "6.0000" shows as "6"."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def weight(value: object) -> str:
    """A decimal without trailing zeros, in the active language's notation;
    anything that is not a number is shown unchanged."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    # Plain notation: normalize() alone writes 10 as "1E+1".
    plain = Decimal(format(number.normalize(), "f"))
    return number_format(plain, use_l10n=True)
