"""Time zones of unions and meetings: every time a meeting shows (pages,
sentences, CSV files) is read in the meeting's zone, not the server's or the
reader's."""

from __future__ import annotations

from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.exceptions import InvalidInput


@cache
def zone_names() -> tuple[str, ...]:
    """The IANA names a form offers, sorted (legacy aliases left out)."""
    return tuple(sorted(n for n in available_timezones() if "/" in n or n == "UTC"))


def is_zone(name: str) -> bool:
    if not name or name not in available_timezones():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def validate_time_zone(value: str) -> None:
    """Model validator (admin forms)."""
    if not is_zone(value):
        raise ValidationError(_("Unknown time zone: %(zone)s.") % {"zone": value})


def clean_time_zone(value: str) -> str:
    """A zone name from a form or the API, refused with a sentence if unknown."""
    name = (value or "").strip()
    if not is_zone(name):
        raise InvalidInput(
            _("Unknown time zone: %(zone)s. Give a name such as Asia/Ho_Chi_Minh.") % {"zone": name}
        )
    return name
