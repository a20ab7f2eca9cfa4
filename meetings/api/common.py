"""The caller of a REST request as a member, and the meeting as they may see it."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework.request import Request

from core.exceptions import NotAllowed, NotFound
from meetings import selectors
from meetings.models import Meeting, Member


def caller(request: Request) -> Member:
    user = request.user
    if not isinstance(user, Member):  # IsAuthenticated has run; this narrows the type
        raise NotAllowed(_("Log in first."))
    return user


def visible_meeting(request: Request, meeting_id: int) -> Meeting:
    """The meeting, or 404 if it does not exist or the user may not see it."""
    try:
        return selectors.meeting_get_for_viewer(meeting_id=meeting_id, member=caller(request))
    except NotAllowed as exc:
        raise NotFound(_("No such meeting.")) from exc
