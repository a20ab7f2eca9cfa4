"""Length limits on free text that reaches every screen.

An agenda item's description, a poll's question and the like travel in every
phone's snapshot: unbounded, two 2.4 MB descriptions made each snapshot
4.8 MB. Services check these limits, so the API, the socket and the admin
refuse the same way (400 with a sentence), whatever the database would hold.
"""

from __future__ import annotations

from django.utils.translation import ngettext

from core.exceptions import InvalidInput

TITLE = 300  # agenda items, polls, documents
NAME = 200  # meetings' titles and places, option labels
DESCRIPTION = 10_000  # agenda items and polls: a few pages of text
REASON = 2_000  # why a poll was cancelled or opened without quorum


def bounded(value: str, *, limit: int, field: str) -> str:
    """`value` when it has at most `limit` characters; InvalidInput otherwise."""
    if len(value) > limit:
        raise InvalidInput(
            ngettext(
                "%(field)s is too long: at most %(limit)d character, this one has %(length)d.",
                "%(field)s is too long: at most %(limit)d characters, this one has %(length)d.",
                limit,
            )
            % {"field": field, "limit": limit, "length": len(value)},
            code="too_long",
        )
    return value
