"""Django's database sessions, read with one plain query.

Every HTTP request and socket connect of a logged-in member reads its
session first; through the ORM, building that one-row query cost more CPU
than the database's answer (core.plainsql). Both of Django's reads, the
synchronous and the asynchronous one, are replaced, so neither path builds
the ORM query. Writing, expiry and cleanup stay Django's own.
"""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.contrib.sessions.backends import db
from django.contrib.sessions.models import Session
from django.db import connection
from django.utils import timezone

from core import plainsql


class SessionStore(db.SessionStore):
    def _get_session_from_db(self) -> Session | None:
        if self.session_key is None:
            return None
        row = plainsql.fetch_one(
            f"SELECT session_data FROM {Session._meta.db_table}"
            " WHERE session_key = %s AND expire_date > %s",
            [self.session_key, connection.ops.adapt_datetimefield_value(timezone.now())],
        )
        if row is None:
            self._session_key = None  # as Django does: a new key if it is saved
            return None
        return Session(session_key=self.session_key, session_data=row[0])

    async def _aget_session_from_db(self) -> Session | None:
        # As Django's own: its aget() is the query run by sync_to_async.
        return await sync_to_async(self._get_session_from_db)()
