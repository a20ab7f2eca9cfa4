"""How a request's or socket's member is found from its session."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from core import loginguard, plainsql


class MemberBackend(ModelBackend):
    """Django's model backend, but the member of a session (read by every
    request and socket connect of a logged-in member) comes from one plain
    query (core.plainsql): through the ORM it cost about 1 ms of CPU."""

    def authenticate(
        self, request: Any, username: str | None = None, password: str | None = None, **kwargs: Any
    ) -> Any:
        """Django's password check (which hashes for unknown usernames too, so
        both take the same time), refused with 429 while the username or the
        client's address is locked (core.loginguard)."""
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if isinstance(username, str):
            loginguard.check(request, username)
        return super().authenticate(request, username=username, password=password, **kwargs)

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
