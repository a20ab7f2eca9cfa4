"""How a request's or socket's member is found from its session."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from core import plainsql


class MemberBackend(ModelBackend):
    """Django's model backend, but the member of a session (read by every
    request and socket connect of a logged-in member) comes from one plain
    query (core.plainsql): through the ORM it cost about 1 ms of CPU."""

    def get_user(self, user_id: Any) -> Any:
        Member = get_user_model()
        row = plainsql.fetch_one(
            f"SELECT {plainsql.columns(Member, 'm')} FROM {Member._meta.db_table} m"
            " WHERE m.id = %s",
            [user_id],
        )
        if row is None:
            return None
        member = plainsql.instance(Member, row)
        return member if self.user_can_authenticate(member) else None
