"""Migrate the benchmark database and seed one live meeting, fast.

Run by bench.run in a subprocess with the server's environment (DATABASE_URL,
SECRET_KEY, ...), never against a real database:

    python -m bench.seed --members 1000 --out seed.json

It creates N voters and a chair with one password hash computed once,
logs them in without N slow logins (django_session rows written directly,
as django.contrib.auth.login would write them), makes a projector link and a
draft motion, and writes the session keys, ids and token as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

PASSWORD = "bench-password-1"


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, required=True)
    parser.add_argument("--agenda-items", type=int, default=12)
    parser.add_argument("--secrecy", choices=["secret", "named"], default="secret")
    parser.add_argument("--live-results", action="store_true")
    parser.add_argument(
        "--encrypted",
        action="store_true",
        help="the poll takes encrypted ballots: 3 tellers (k = 2) make its key",
    )
    parser.add_argument("--meeting-id", type=int, default=0, help="0: a random large id")
    parser.add_argument("--out", type=Path, required=True)
    return parser.parse_args(argv)


def seed(args: argparse.Namespace) -> dict[str, Any]:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.base import VALID_KEY_CHARS
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.db import connection
    from django.utils import timezone
    from django.utils.crypto import get_random_string

    from meetings import services as meeting_services
    from meetings.models import AgendaItem, Meeting, Member, Membership, Participant, Union
    from voting import services as voting_services

    rng = random.SystemRandom()
    tag = get_random_string(8).lower()
    # Random large ids keep this run's channel-layer groups ("meeting.<id>.*")
    # and coalescing keys apart from anything else sharing the Redis server.
    meeting_id = args.meeting_id or rng.randrange(10**8, 2 * 10**9)
    password_hash = make_password(PASSWORD)

    union = Union.objects.create(name=f"Bench union {tag}", code=f"bench-{tag}")
    chair = Member.objects.create(
        username=f"chair-{tag}", full_name="Bench Chair", password=password_hash
    )
    voters = Member.objects.bulk_create(
        [
            Member(
                username=f"m{i:05d}-{tag}",
                full_name=f"Bench Member {i}",
                member_number=str(i),
                password=password_hash,
            )
            for i in range(args.members)
        ],
        batch_size=1000,
    )
    Membership.objects.bulk_create(
        [Membership(member=chair, union=union, role=Membership.Role.OFFICER)]
        + [Membership(member=m, union=union) for m in voters],
        batch_size=1000,
    )
    meeting = Meeting.objects.create(
        pk=meeting_id,
        union=union,
        title="Bench congress",
        starts_at=timezone.now(),
        created_by=chair,
    )
    participants = Participant.objects.bulk_create(
        [Participant(meeting=meeting, member=chair, role=Participant.Role.CHAIR)]
        + [Participant(meeting=meeting, member=m, role=Participant.Role.VOTER) for m in voters],
        batch_size=1000,
    )
    AgendaItem.objects.bulk_create(
        [
            AgendaItem(meeting=meeting, position=i + 1, title=f"Agenda item {i + 1}")
            for i in range(max(2, args.agenda_items))
        ]
    )
    meeting = meeting_services.meeting_start(actor=chair, meeting=meeting)
    projector_token = meeting_services.projector_link_create(actor=chair, meeting=meeting)

    if connection.vendor == "postgresql":
        # Polls numbered far from other runs: the coalescing keys in Redis
        # ("coalesce:turnout:<poll>:...") hold the poll id.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('voting_poll', 'id'), %s)",
                [rng.randrange(10**8, 2 * 10**9)],
            )
    poll = voting_services.poll_create(
        actor=chair,
        meeting=meeting,
        title="Bench motion: adopt the budget?",
        kind="motion",
        secrecy=args.secrecy,
        results_visibility="live" if args.live_results else "hidden",
    )
    options = {o.label: o.pk for o in poll.options.all()}
    option_order = list(poll.options.order_by("position").values_list("label", flat=True))
    option_roles = list(poll.options.order_by("position").values_list("role", flat=True))
    tellers = _key_ceremony(chair, poll, participants[1:4]) if args.encrypted else []
    poll.refresh_from_db()

    store = SessionStore()
    expires = timezone.now() + timedelta(days=1)
    backend = "core.backends.MemberBackend"
    people = [chair, *voters]
    keys = [get_random_string(32, VALID_KEY_CHARS) for _ in people]
    Session.objects.bulk_create(
        [
            Session(
                session_key=key,
                session_data=store.encode(
                    {
                        SESSION_KEY: str(person.pk),
                        BACKEND_SESSION_KEY: backend,
                        HASH_SESSION_KEY: person.get_session_auth_hash(),
                    }
                ),
                expire_date=expires,
            )
            for key, person in zip(keys, people, strict=True)
        ],
        batch_size=1000,
    )
    return {
        "meeting_id": meeting.pk,
        "poll_id": poll.pk,
        "options": options,
        "option_order": option_order,
        "option_roles": option_roles,
        "public_key": poll.public_key,
        "tellers": tellers,
        "projector_token": projector_token,
        "chair": {"session": keys[0], "participant_id": participants[0].pk},
        "members": [
            {"session": key, "participant_id": p.pk}
            for key, p in zip(keys[1:], participants[1:], strict=True)
        ],
    }


def _key_ceremony(chair: Any, poll: Any, participants: list[Any]) -> list[dict[str, Any]]:
    """Name three members tellers of the poll (two of them must decrypt) and
    play their pages through the services with the real crypto (as
    tests.voting.tellers_helpers does). Returns each teller's number, member
    and secret share: the benchmark decrypts with them after the close, as
    the tellers' pages would."""
    from tests.voting.tellers_helpers import TellerPlayer
    from voting import services as voting_services

    voting_services.tellers_appoint(
        actor=chair, poll=poll, participant_ids=[p.pk for p in participants], threshold=2
    )
    players = [TellerPlayer(poll.pk, i, 2, p.member) for i, p in enumerate(participants, start=1)]
    for player in players:
        voting_services.teller_publish(actor=player.member, poll=poll, **player.publish())
    state = voting_services.ceremony_payload(poll)
    for player in players:
        voting_services.teller_shares_send(
            actor=player.member, poll=poll, shares=player.shares(state)
        )
    for player in players:
        mine = voting_services.teller_shares_get(actor=player.member, poll=poll)
        voting_services.teller_confirm(actor=player.member, poll=poll, proof=player.confirm(mine))
    return [
        {"index": player.index, "member": i, "secret_share": str(player.secret_share)}
        for i, player in enumerate(players)
    ]


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django
    from django.core.management import call_command

    django.setup()
    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("audit_keygen", verbosity=0)
    migrated = time.perf_counter()
    data = seed(args)
    data["timing"] = {
        "migrate_s": round(migrated - started, 2),
        "seed_s": round(time.perf_counter() - migrated, 2),
    }
    args.out.write_text(json.dumps(data))
    return 0


if __name__ == "__main__":
    sys.exit(main())
