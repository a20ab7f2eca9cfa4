"""Check-in, check-out, remote presence, badges, login links and their abuse,
through the services (meetings.attendance)."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from core.exceptions import Conflict, InvalidInput, NotAllowed, NotFound
from core.ratelimit import RateLimited
from meetings import attendance, attendance_selectors, checkin, selectors, services
from meetings.attendance import TokenRefused
from meetings.models import AttendanceLog, LoginToken, Meeting, Member, Participant
from tests.conftest import World, build_world
from tests.factories import MembershipFactory
from tests.meetings.attendance_helpers import (  # noqa: F401  (fixtures)
    Clock,
    clock_fixture,
    own_rate_counters,
)
from voting import services as voting_services
from voting.models import RollEntry

pytestmark = pytest.mark.django_db

Presence = Participant.Presence


def badge(world: World, member: Member) -> str:
    return attendance_selectors.badge_token_for(world.participant(member))


def presence(world: World, member: Member) -> str:
    return world.participant(member).presence


def open_poll(world: World, **fields: Any) -> Any:
    poll = voting_services.poll_create(
        actor=world.chair, meeting=world.meeting, title="Adopt the budget?", kind="motion", **fields
    )
    return voting_services.poll_open(actor=world.chair, poll=poll)


def roll_names(poll: Any) -> set[str]:
    return {e.member.member.full_name for e in RollEntry.objects.filter(poll=poll)}


# --- badges at the door ---------------------------------------------------------------


def test_clerk_checks_in_a_badge(world: World) -> None:
    voter = world.voters[0]
    change = attendance.badge_check_in(
        actor=world.clerk, meeting=world.meeting, token=badge(world, voter)
    )
    assert change.participant.presence == Presence.ROOM
    assert presence(world, voter) == Presence.ROOM
    entry = AttendanceLog.objects.get()
    assert (entry.action, entry.method, entry.presence, entry.previous, entry.actor) == (
        "check_in",
        "badge",
        "room",
        "absent",
        world.clerk,
    )
    message = attendance_selectors.entry_payload(change.entry)["message"]
    assert message == (
        f"{voter.full_name} checked in {attendance_selectors.clock_time(entry.at)} "
        f"by {world.clerk.full_name}."
    )


def test_badge_url_without_a_meeting_uses_the_badge_meeting(world: World) -> None:
    attendance.badge_check_in(actor=world.chair, token=badge(world, world.voters[1]))
    assert presence(world, world.voters[1]) == Presence.ROOM


def test_double_check_in_is_refused_clearly(world: World) -> None:
    token = badge(world, world.voters[0])
    attendance.badge_check_in(actor=world.clerk, meeting=world.meeting, token=token)
    with pytest.raises(Conflict) as refused:
        attendance.badge_check_in(actor=world.chair, meeting=world.meeting, token=token)
    assert refused.value.code == "already_checked_in"
    assert world.voters[0].full_name in refused.value.message
    assert f"by {world.clerk.full_name}" in refused.value.message
    assert AttendanceLog.objects.count() == 1


@pytest.mark.parametrize("who", ["voter", "outsider", "other voter"])
def test_only_chair_and_clerks_check_others_in(world: World, who: str) -> None:
    actor = {
        "voter": world.voters[0],
        "outsider": world.outsider,
        "other voter": world.voters[1],
    }[who]
    with pytest.raises(NotAllowed):
        attendance.badge_check_in(
            actor=actor, meeting=world.meeting, token=badge(world, world.voters[0])
        )
    with pytest.raises(NotAllowed):
        attendance.participant_check_in(actor=actor, participant=world.participant(world.voters[2]))
    assert not AttendanceLog.objects.exists()


def test_forged_other_meeting_and_revoked_badges_are_refused_and_logged(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    voter = world.voters[0]
    good = badge(world, voter)
    other = build_world()
    other_badge = attendance_selectors.badge_token_for(other.participant(other.voters[0]))
    forged = checkin.badge_token(
        meeting_id=world.meeting.pk, participant_id=world.participant(voter).pk, key="guess"
    ).replace(":", ":x", 1)
    new_token = attendance.badge_revoke(actor=world.clerk, participant=world.participant(voter))
    assert new_token != good
    caplog.set_level(logging.WARNING, logger="meetings.attendance")
    cases = [
        (forged, "token_forged", "This is not a valid badge."),
        ("not-a-badge", "token_forged", "This is not a valid badge."),
        (other_badge, "token_other_meeting", "This badge is for another meeting."),
        (good, "token_revoked", f"This badge of {voter.full_name} has been revoked."),
    ]
    for token, code, message in cases:
        with pytest.raises(TokenRefused) as refused:
            attendance.badge_check_in(actor=world.clerk, meeting=world.meeting, token=token)
        assert refused.value.code == code
        assert refused.value.message.startswith(message)
    # Nothing changed; each refusal was logged, without the token.
    assert not AttendanceLog.objects.exists()
    assert presence(world, voter) == Presence.ABSENT
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == len(cases)
    for record, (token, _code, _message) in zip(warnings, cases, strict=True):
        assert token not in record.getMessage()
        assert token.split(":")[-1] not in record.getMessage()
    # The new badge works.
    attendance.badge_check_in(actor=world.clerk, meeting=world.meeting, token=new_token)
    assert presence(world, voter) == Presence.ROOM


def test_badge_of_a_participant_removed_from_the_roster(world: World) -> None:
    voter = world.voters[2]
    token = badge(world, voter)
    services.participant_remove(actor=world.chair, participant=world.participant(voter))
    with pytest.raises(TokenRefused) as refused:
        attendance.badge_check_in(actor=world.clerk, meeting=world.meeting, token=token)
    assert refused.value.code == "token_unknown"


def test_member_number_fallback(world: World) -> None:
    voter = world.voters[1]
    change = attendance.member_number_check_in(
        actor=world.clerk, meeting=world.meeting, member_number=f"  {voter.member_number} "
    )
    assert change.entry.method == "member_number"
    with pytest.raises(Conflict):
        attendance.member_number_check_in(
            actor=world.clerk, meeting=world.meeting, member_number=voter.member_number
        )
    with pytest.raises(NotFound):
        attendance.member_number_check_in(
            actor=world.clerk, meeting=world.meeting, member_number="NO-SUCH"
        )
    with pytest.raises(InvalidInput):
        attendance.member_number_check_in(
            actor=world.clerk, meeting=world.meeting, member_number=""
        )


def test_closed_meeting_takes_no_check_ins(world: World) -> None:
    services.meeting_start(actor=world.chair, meeting=world.meeting)
    services.meeting_close(actor=world.chair, meeting=world.meeting)
    with pytest.raises(Conflict):
        attendance.badge_check_in(
            actor=world.clerk, meeting=world.meeting, token=badge(world, world.voters[0])
        )


# --- check-out and return ---------------------------------------------------------


def test_check_out_and_return_are_logged(world: World) -> None:
    voter = world.voters[0]
    participant = world.participant(voter)
    attendance.badge_check_in(actor=world.clerk, meeting=world.meeting, token=badge(world, voter))
    attendance.participant_check_out(actor=voter, participant=participant)  # leaves, by phone
    assert presence(world, voter) == Presence.ABSENT
    with pytest.raises(Conflict) as refused:
        attendance.participant_check_out(actor=world.clerk, participant=participant)
    assert refused.value.code == "not_checked_in"
    attendance.participant_check_in(actor=world.clerk, participant=participant)  # returns
    attendance.participant_check_out(actor=world.clerk, participant=participant)
    log = list(
        AttendanceLog.objects.filter(participant=participant)
        .order_by("at", "id")
        .values_list("action", "method", "actor__full_name")
    )
    assert log == [
        ("check_in", "badge", world.clerk.full_name),
        ("check_out", "self", voter.full_name),
        ("check_in", "manual", world.clerk.full_name),
        ("check_out", "manual", world.clerk.full_name),
    ]
    with pytest.raises(NotAllowed):
        attendance.participant_check_out(
            actor=world.voters[1], participant=world.participant(world.voters[2])
        )


def test_the_roll_and_the_quorum_follow_presence(world: World) -> None:
    meeting = world.meeting
    services.meeting_voting_settings_update(
        actor=world.chair, meeting=meeting, requires_presence=True, quorum_kind="count",
        quorum_count=2,
    )  # fmt: skip
    meeting.refresh_from_db()
    services.meeting_start(actor=world.chair, meeting=meeting)
    a, b, c = world.voters
    assert selectors.quorum_status(meeting)["present"] == 0
    for voter in (a, b):
        attendance.badge_check_in(actor=world.clerk, meeting=meeting, token=badge(world, voter))
    attendance.participant_check_in(actor=world.clerk, participant=world.participant(world.chair))
    quorum = selectors.quorum_status(meeting)
    assert (quorum["present"], quorum["met"]) == (3, True)

    first = open_poll(world)
    assert roll_names(first) == {a.full_name, b.full_name, world.chair.full_name}
    voting_services.poll_close(actor=world.chair, poll=first)

    # b leaves: the quorum drops, and a poll opened now does not entitle b...
    attendance.participant_check_out(actor=b, participant=world.participant(b))
    attendance.participant_check_out(actor=world.clerk, participant=world.participant(a))
    assert selectors.quorum_status(meeting)["present"] == 1
    assert selectors.quorum_status(meeting)["met"] is False
    attendance.member_number_check_in(
        actor=world.clerk, meeting=meeting, member_number=c.member_number
    )
    second = open_poll(world)
    assert roll_names(second) == {c.full_name, world.chair.full_name}
    # ... while a poll open before the return keeps its frozen roll.
    attendance.participant_check_in(actor=world.clerk, participant=world.participant(b))
    assert roll_names(second) == {c.full_name, world.chair.full_name}
    voting_services.poll_close(actor=world.chair, poll=second)
    assert b.full_name in roll_names(open_poll(world))


def test_proxies_are_void_while_the_delegator_is_present(world: World) -> None:
    meeting = world.meeting
    services.meeting_voting_settings_update(
        actor=world.chair, meeting=meeting, requires_presence=True
    )
    meeting.refresh_from_db()
    services.meeting_start(actor=world.chair, meeting=meeting)
    a, b, _c = world.voters
    services.proxy_create(
        actor=a, meeting=meeting, delegator=world.participant(a), delegate=world.participant(b)
    )
    attendance.badge_check_in(actor=world.clerk, meeting=meeting, token=badge(world, b))
    poll = open_poll(world)
    entries = {e.member.member_id: e.caster.member_id for e in RollEntry.objects.filter(poll=poll)}
    assert entries == {a.pk: b.pk, b.pk: b.pk}  # b carries a's vote
    voting_services.poll_close(actor=world.chair, poll=poll)

    attendance.badge_check_in(actor=world.clerk, meeting=meeting, token=badge(world, a))
    poll = open_poll(world)
    entries = {e.member.member_id: e.caster.member_id for e in RollEntry.objects.filter(poll=poll)}
    assert entries == {a.pk: a.pk, b.pk: b.pk}  # a is here: votes themselves


# --- the room code ------------------------------------------------------------------


def test_room_code_checks_a_member_in(world: World, clock: Clock) -> None:
    voter = world.voters[0]
    code = attendance.room_code(world.meeting)
    assert code.refresh_in == pytest.approx(checkin.ROOM_WINDOW_SECONDS - 5)
    change = attendance.room_check_in(actor=voter, meeting_id=world.meeting.pk, token=code.token)
    assert change.entry.method == "room_qr"
    assert change.entry.actor == voter
    assert presence(world, voter) == Presence.ROOM
    with pytest.raises(Conflict) as refused:
        attendance.room_check_in(actor=voter, meeting_id=world.meeting.pk, token=code.token)
    assert refused.value.message.startswith("You are already checked in")


def test_room_code_time_windows(world: World, clock: Clock) -> None:
    """Valid now, valid in the next window (as the previous one), refused two
    windows on; nothing changes on a refusal."""
    a, b, c = world.voters
    window = clock.window
    token = attendance.room_code(world.meeting).token
    clock.to_window(window + 1, offset=29.999)  # the code's window is now the previous one
    attendance.room_check_in(actor=a, meeting_id=world.meeting.pk, token=token)
    clock.to_window(window + 2)  # two windows on: a photo sent home stops working
    with pytest.raises(TokenRefused) as refused:
        attendance.room_check_in(actor=b, meeting_id=world.meeting.pk, token=token)
    assert refused.value.code == "token_expired"
    assert "expired" in refused.value.message
    # A code of the future (never minted by the server) is refused too.
    future = checkin.room_token(meeting_id=world.meeting.pk, window=window + 3)
    with pytest.raises(TokenRefused):
        attendance.room_check_in(actor=c, meeting_id=world.meeting.pk, token=future)
    assert (presence(world, a), presence(world, b), presence(world, c)) == (
        "room",
        "absent",
        "absent",
    )


def test_room_code_of_another_meeting_or_forged(world: World, clock: Clock) -> None:
    other = build_world()
    token = attendance.room_code(other.meeting).token
    with pytest.raises(TokenRefused) as refused:
        attendance.room_check_in(actor=world.voters[0], meeting_id=world.meeting.pk, token=token)
    assert refused.value.code == "token_forged"
    with pytest.raises(NotAllowed):  # not on that meeting's roster
        attendance.room_check_in(actor=world.voters[0], meeting_id=other.meeting.pk, token=token)
    assert not AttendanceLog.objects.exists()


def test_room_code_grace_for_logging_in(world: World, clock: Clock) -> None:
    """Opened while logged out: valid then, accepted for a few minutes after."""
    token = attendance.room_code(world.meeting).token
    seen_at = clock.now
    clock.now += 200
    attendance.room_check_in(
        actor=world.voters[0], meeting_id=world.meeting.pk, token=token, seen_at=seen_at
    )
    clock.now += attendance.ROOM_LOGIN_GRACE_SECONDS
    with pytest.raises(TokenRefused):
        attendance.room_check_in(
            actor=world.voters[1], meeting_id=world.meeting.pk, token=token, seen_at=seen_at
        )


def test_chair_switches_room_self_check_in_off(world: World, clock: Clock) -> None:
    meeting = attendance.attendance_settings_update(
        actor=world.chair, meeting=world.meeting, room_checkin_enabled=False
    )
    assert attendance.room_code_for_projector(meeting) is None
    token = attendance.room_code(meeting).token
    with pytest.raises(Conflict) as refused:
        attendance.room_check_in(actor=world.voters[0], meeting_id=meeting.pk, token=token)
    assert refused.value.code == "room_checkin_off"
    with pytest.raises(NotAllowed):
        attendance.attendance_settings_update(
            actor=world.voters[0], meeting=meeting, room_checkin_enabled=True
        )
    with pytest.raises(NotAllowed):
        attendance.attendance_settings_update(
            actor=world.clerk, meeting=meeting, room_checkin_enabled=True
        )
    meeting = attendance.attendance_settings_update(
        actor=world.chair, meeting=meeting, room_checkin_enabled=True
    )
    assert attendance.room_code_for_projector(meeting) is not None


# --- remote presence --------------------------------------------------------------


def test_remote_presence_only_where_allowed(world: World) -> None:
    voter = world.voters[0]
    with pytest.raises(Conflict) as refused:
        attendance.remote_presence_confirm(actor=voter, meeting=world.meeting)
    assert refused.value.code == "remote_not_allowed"
    attendance.attendance_settings_update(
        actor=world.chair, meeting=world.meeting, allow_remote_participation=True
    )
    change = attendance.remote_presence_confirm(actor=voter, meeting=world.meeting)
    assert change.entry.method == "remote"
    assert presence(world, voter) == Presence.REMOTE
    with pytest.raises(Conflict):
        attendance.remote_presence_confirm(actor=voter, meeting=world.meeting)
    summary = selectors.attendance_summary(selectors.voters_presence(world.meeting))
    assert summary["remote"] == {"voters": 1, "weight": "1.0000"}
    # Arriving in the room later: the clerk checks them in there.
    attendance.participant_check_in(actor=world.clerk, participant=world.participant(voter))
    assert presence(world, voter) == Presence.ROOM
    with pytest.raises(Conflict):  # in the room: not remote as well
        attendance.remote_presence_confirm(actor=voter, meeting=world.meeting)
    with pytest.raises(NotAllowed):
        attendance.remote_presence_confirm(actor=world.outsider, meeting=world.meeting)


def test_remote_voters_and_polls_that_exclude_them(world: World) -> None:
    meeting = world.meeting
    services.meeting_voting_settings_update(
        actor=world.chair, meeting=meeting, requires_presence=True
    )
    attendance.attendance_settings_update(
        actor=world.chair, meeting=meeting, allow_remote_participation=True
    )
    services.meeting_start(actor=world.chair, meeting=meeting)
    a, b, _c = world.voters
    attendance.remote_presence_confirm(actor=a, meeting=meeting)
    attendance.badge_check_in(actor=world.clerk, meeting=meeting, token=badge(world, b))
    assert roll_names(open_poll(world, allow_remote=False)) == {b.full_name}


# --- login links --------------------------------------------------------------------


def test_login_link_works_once(world: World, caplog: pytest.LogCaptureFixture) -> None:
    voter = world.voters[0]
    [invitation] = attendance.login_invitations_create(
        actor=world.clerk, meeting=world.meeting, participant_ids=[world.participant(voter).pk]
    )
    stored = LoginToken.objects.get()
    assert stored.token_hash == checkin.login_token_hash(invitation.token)
    assert invitation.token not in json.dumps(list(LoginToken.objects.values("token_hash")))
    assert attendance.login_token_peek(token=invitation.token, client="1.2.3.4").used_at is None
    row = attendance.login_token_redeem(token=invitation.token, client="1.2.3.4")
    assert row.participant.member == voter and row.used_at is not None
    caplog.set_level(logging.WARNING, logger="meetings.attendance")
    with pytest.raises(TokenRefused) as refused:  # replayed
        attendance.login_token_redeem(token=invitation.token, client="5.6.7.8")
    assert refused.value.code == "token_used"
    assert "already been used" in refused.value.message
    assert invitation.token not in caplog.text
    assert "token_used" not in caplog.text and "(used)" in caplog.text


def test_login_links_expire_and_can_be_revoked(world: World) -> None:
    a, b, _c = (world.participant(m) for m in world.voters)
    first, second = attendance.login_invitations_create(
        actor=world.chair, meeting=world.meeting, participant_ids=[a.pk, b.pk], valid_minutes=5
    )
    LoginToken.objects.filter(pk=first.login_token.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(TokenRefused) as refused:
        attendance.login_token_redeem(token=first.token, client="x")
    assert refused.value.code == "token_expired"
    attendance.login_invitation_revoke(actor=world.clerk, login_token=second.login_token)
    with pytest.raises(TokenRefused) as refused:
        attendance.login_token_redeem(token=second.token, client="x")
    assert refused.value.code == "token_revoked"
    with pytest.raises(TokenRefused) as refused:
        attendance.login_token_redeem(token="forged" + second.token, client="x")
    assert refused.value.code == "token_forged"
    # A reprint revokes the earlier unused link.
    [third] = attendance.login_invitations_create(
        actor=world.chair, meeting=world.meeting, participant_ids=[a.pk]
    )
    [fourth] = attendance.login_invitations_create(
        actor=world.chair, meeting=world.meeting, participant_ids=[a.pk]
    )
    with pytest.raises(TokenRefused):
        attendance.login_token_redeem(token=third.token, client="x")
    assert attendance.login_token_redeem(token=fourth.token, client="x").participant == a


def test_no_login_links_for_people_who_run_things(world: World) -> None:
    chair = world.participant(world.chair)
    with pytest.raises(InvalidInput) as refused:
        attendance.login_invitations_create(
            actor=world.clerk, meeting=world.meeting, participant_ids=[chair.pk]
        )
    assert refused.value.code == "login_link_not_allowed"
    # For everyone: the three voters only (not the chair, not the clerk).
    invitations = attendance.login_invitations_create(actor=world.clerk, meeting=world.meeting)
    assert {i.participant.member for i in invitations} == set(world.voters)
    with pytest.raises(NotAllowed):
        attendance.login_invitations_create(actor=world.voters[0], meeting=world.meeting)
    with pytest.raises(InvalidInput):
        attendance.login_invitations_create(
            actor=world.clerk, meeting=world.meeting, valid_minutes=0
        )
    # A voter who became a clerk somewhere since: their old link stops working.
    voter = world.voters[0]
    link = next(i for i in invitations if i.participant.member == voter)
    other = build_world()
    MembershipFactory.create(member=voter, union=other.union)
    services.participant_add(
        actor=other.chair, meeting=other.meeting, member=voter, role=Participant.Role.CLERK
    )
    with pytest.raises(TokenRefused):
        attendance.login_token_redeem(token=link.token, client="x")


# --- rate limits ----------------------------------------------------------------------


def test_check_in_attempts_are_rate_limited(world: World, clock: Clock, settings: Any) -> None:
    settings.CHECKIN_RATE_LIMIT = 3
    for attempt in range(3):
        with pytest.raises(TokenRefused):
            attendance.badge_check_in(
                actor=world.clerk, meeting=world.meeting, token=f"bad{attempt}"
            )
    with pytest.raises(RateLimited) as refused:
        attendance.badge_check_in(
            actor=world.clerk, meeting=world.meeting, token=badge(world, world.voters[0])
        )
    assert refused.value.status == 429
    assert presence(world, world.voters[0]) == Presence.ABSENT
    # Another clerk is not held up; the next minute the first may go on.
    attendance.badge_check_in(
        actor=world.chair, meeting=world.meeting, token=badge(world, world.voters[0])
    )
    clock.now += 60
    attendance.badge_check_in(
        actor=world.clerk, meeting=world.meeting, token=badge(world, world.voters[1])
    )


def test_self_check_in_and_login_links_are_rate_limited(
    world: World, clock: Clock, settings: Any
) -> None:
    settings.SELF_CHECKIN_RATE_LIMIT = 2
    settings.LOGIN_TOKEN_RATE_LIMIT = 2
    for _ in range(2):
        with pytest.raises(TokenRefused):
            attendance.room_check_in(
                actor=world.voters[0], meeting_id=world.meeting.pk, token="1.x"
            )
    with pytest.raises(RateLimited):
        attendance.room_check_in(
            actor=world.voters[0],
            meeting_id=world.meeting.pk,
            token=attendance.room_code(world.meeting).token,
        )
    [link] = attendance.login_invitations_create(
        actor=world.clerk,
        meeting=world.meeting,
        participant_ids=[world.participant(world.voters[1]).pk],
    )
    for _ in range(2):
        with pytest.raises(TokenRefused):
            attendance.login_token_redeem(token="guess", client="10.0.0.9")
    with pytest.raises(RateLimited):
        attendance.login_token_redeem(token=link.token, client="10.0.0.9")
    assert LoginToken.objects.get().used_at is None


# --- live updates, snapshot, export --------------------------------------------------


def test_attendance_changed_message(world: World) -> None:
    attendance.badge_check_in(
        actor=world.clerk, meeting=world.meeting, token=badge(world, world.voters[0])
    )
    messages = attendance.ATTENDANCE.messages(world.meeting.pk, world.meeting.pk, "staff")
    [(group, text), (projector, _text)] = messages
    assert group == f"meeting.{world.meeting.pk}.staff"
    assert projector == f"meeting.{world.meeting.pk}.projector"
    body = json.loads(text)
    assert body["type"] == "attendance.changed" and "seq" not in body
    assert body["attendance"]["room"] == {"voters": 1, "weight": "1.0000"}
    assert body["attendance"]["absent"]["voters"] == 3  # two voters and the chair
    assert body["quorum"]["voters"] == 4
    assert body["room_checkin_enabled"] is True


def test_snapshot_carries_attendance_and_my_presence(world: World) -> None:
    voter = world.voters[0]
    attendance.badge_check_in(actor=world.clerk, meeting=world.meeting, token=badge(world, voter))
    participant = selectors.participant_for(world.meeting.pk, voter)
    assert participant is not None
    participant.presence = Presence.ABSENT  # a Viewer made before the check-in
    snapshot = selectors.meeting_snapshot(
        meeting_id=world.meeting.pk, viewer=selectors.Viewer(role="voter", participant=participant)
    )
    assert snapshot["my_presence"] == "room"
    assert snapshot["attendance"]["room"]["voters"] == 1
    assert snapshot["meeting"]["room_checkin_enabled"] is True
    assert snapshot["meeting"]["allow_remote_participation"] is False


def test_attendance_csv(world: World) -> None:
    voter = world.voters[0]
    voter.full_name = "=Nguyễn Văn An"
    voter.save()
    attendance.badge_check_in(actor=world.clerk, meeting=world.meeting, token=badge(world, voter))
    csv_file = attendance_selectors.attendance_csv(meeting=world.meeting)
    assert csv_file.content.startswith(b"\xef\xbb\xbf")
    text = csv_file.content.decode("utf-8-sig")
    assert "'=Nguyễn Văn An" in text and "Present in the room" in text
    assert "Badge scanned by a clerk" in text and world.clerk.full_name in text


def test_weights_count(world: World) -> None:
    participant = world.participant(world.voters[0])
    participant.vote_weight = Decimal("2.5")
    participant.save()
    attendance.participant_check_in(actor=world.clerk, participant=participant)
    summary = selectors.attendance_summary(selectors.voters_presence(world.meeting))
    assert summary["room"] == {"voters": 1, "weight": "2.5000"}
    assert Meeting.objects.get(pk=world.meeting.pk).room_checkin_enabled


def test_new_participants_get_distinct_badge_keys(world: World) -> None:
    keys = set(Participant.objects.values_list("badge_key", flat=True))
    assert len(keys) == Participant.objects.count()


def test_the_quorum_line_reports_attendance_not_the_roster(world: World) -> None:
    # Without required presence every voter counts for the quorum, but the
    # line must not claim them present: attendance says who is in the room.
    meeting = world.meeting
    services.meeting_start(actor=world.chair, meeting=meeting)
    quorum = selectors.quorum_status(meeting)
    assert (quorum["tracked"], quorum["attending"]) == (False, 0)
    assert quorum["present"] == quorum["voters"]  # the rule: everyone counts
    a = world.voters[0]
    attendance.badge_check_in(actor=world.clerk, meeting=meeting, token=badge(world, a))
    quorum = selectors.quorum_status(meeting)
    assert (quorum["tracked"], quorum["attending"]) == (True, 1)
    services.meeting_voting_settings_update(
        actor=world.chair, meeting=meeting, requires_presence=True
    )
    meeting.refresh_from_db()
    attendance.participant_check_out(actor=world.clerk, participant=world.participant(a))
    quorum = selectors.quorum_status(meeting)
    assert (quorum["tracked"], quorum["attending"], quorum["present"]) == (True, 0, 0)


def test_the_door_finds_a_member_by_any_case_number_or_by_name(world: World) -> None:
    meeting = world.meeting
    services.meeting_start(actor=world.chair, meeting=meeting)
    a, b, _c = world.voters
    a.member_number, b.member_number = "D005", "D006"
    a.save(update_fields=["member_number"])
    b.save(update_fields=["member_number"])
    change = attendance.member_number_check_in(
        actor=world.clerk, meeting=meeting, member_number="d005"
    )
    assert change.participant.member == a
    # Part of a name finds the one participant it fits, any case.
    b.full_name = "Lê Thị Hoa"
    b.save(update_fields=["full_name"])
    change = attendance.member_number_check_in(
        actor=world.clerk, meeting=meeting, member_number="hoa"
    )
    assert change.participant.member == b
    # A name that fits several is listed, and checks no one in.
    a.full_name, b.full_name = "Trần Văn Ba", "Trần Thị Bốn"
    a.save(update_fields=["full_name"])
    b.save(update_fields=["full_name"])
    with pytest.raises(Conflict) as refused:
        attendance.member_number_check_in(actor=world.clerk, meeting=meeting, member_number="trần")
    assert "Trần Thị Bốn (D006)" in refused.value.message
    assert "Trần Văn Ba (D005)" in refused.value.message
    with pytest.raises(NotFound):
        attendance.member_number_check_in(actor=world.clerk, meeting=meeting, member_number="zz9")
