"""Writes for unions, meetings, rosters and agendas.

Every function checks the actor's permission, validates, writes inside one
transaction and queues its events for after commit. REST views, the socket
consumer, commands and tests all call these and nothing else.
"""

from core.exceptions import Conflict, InvalidInput, NotAllowed, NotFound
from meetings.services.agenda import (
    agenda_advance,
    agenda_item_add,
    agenda_item_delete,
    agenda_item_update,
    agenda_reorder,
)
from meetings.services.copying import MeetingCopy, meeting_copy, register_copy_hook
from meetings.services.meetings import (
    meeting_close,
    meeting_create,
    meeting_start,
    meeting_update,
    meeting_voting_settings_update,
)
from meetings.services.members import (
    member_language_set,
    members_import,
)
from meetings.services.projector import (
    PROJECTOR_SALT,
    projector_link_create,
    projector_link_revoke,
    projector_links_list,
    projector_links_revoke,
    projector_meeting,
    projector_moved_on,
    projector_pair,
    projector_pairing_create,
    projector_put_up,
    projector_scene_set,
    projector_token_for,
)
from meetings.services.roster import (
    participant_add,
    participant_remove,
    participant_update,
    participants_add_from_union,
    proxy_create,
    proxy_revoke,
)

__all__ = [
    "PROJECTOR_SALT",
    "Conflict",
    "InvalidInput",
    "MeetingCopy",
    "NotAllowed",
    "NotFound",
    "agenda_advance",
    "agenda_item_add",
    "agenda_item_delete",
    "agenda_item_update",
    "agenda_reorder",
    "meeting_close",
    "meeting_copy",
    "meeting_create",
    "meeting_start",
    "meeting_update",
    "meeting_voting_settings_update",
    "member_language_set",
    "members_import",
    "participant_add",
    "participant_remove",
    "participant_update",
    "participants_add_from_union",
    "projector_link_create",
    "projector_link_revoke",
    "projector_links_list",
    "projector_links_revoke",
    "projector_meeting",
    "projector_moved_on",
    "projector_pair",
    "projector_pairing_create",
    "projector_put_up",
    "projector_scene_set",
    "projector_token_for",
    "proxy_create",
    "proxy_revoke",
    "register_copy_hook",
]
