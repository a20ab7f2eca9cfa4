"""Who may read, write and finalise the minutes: the app's rows of the
meeting-wide table (meetings.permissions, docs/permissions.md).

The secretary is whoever keeps the minutes: the chair or a clerk of the
meeting (most unions name a clerk). Officers of the union read them, as they
prepare the next meeting and keep the records.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from meetings.permissions import CHAIR, CLERK, OFFICER, register_action


def _action(name: str, roles: set[str], label: str | Promise) -> str:
    return register_action(name, roles, label=label, app="minutes")


MINUTES_VIEW = _action("minutes.view", {OFFICER, CHAIR, CLERK}, gettext_lazy("Read the minutes"))
MINUTES_WRITE = _action(
    "minutes.write", {CHAIR, CLERK}, gettext_lazy("Write the secretary's notes in the minutes")
)
MINUTES_FINALISE = _action("minutes.finalise", {CHAIR, CLERK}, gettext_lazy("Finalise the minutes"))
