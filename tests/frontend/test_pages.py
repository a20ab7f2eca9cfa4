"""The server-rendered pages, through Django's test client."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from core.projector_cookie import PROJECTOR_COOKIE
from meetings import services
from meetings.models import Meeting, Member
from tests.conftest import World, build_world
from tests.factories import PASSWORD, MeetingFactory, MembershipFactory, ParticipantFactory
from voting import services as voting_services
from voting.models import Poll

pytestmark = pytest.mark.django_db


def logged_in(member: Member) -> Client:
    client = Client()
    client.force_login(member)
    return client


def test_login_page_renders_and_logs_in(world: World) -> None:
    client = Client()
    page = client.get(reverse("frontend:login"))
    assert page.status_code == 200
    html = page.content.decode()
    assert '<label for="id_username">' in html
    assert '<label for="id_password">' in html
    assert 'type="submit"' in html

    response = client.post(
        reverse("frontend:login"), {"username": world.chair.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("frontend:home")
    assert client.get(reverse("frontend:home")).status_code == 200


def test_login_with_a_wrong_password_shows_an_alert(world: World) -> None:
    response = Client().post(
        reverse("frontend:login"), {"username": world.chair.username, "password": "wrong"}
    )
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert "_auth_user_id" not in response.wsgi_request.session


def test_logout_is_post_only(world: World) -> None:
    client = logged_in(world.chair)
    assert client.get(reverse("frontend:logout")).status_code == 405
    response = client.post(reverse("frontend:logout"))
    assert response.status_code == 302
    assert client.get(reverse("frontend:home")).status_code == 302


def test_home_lists_only_my_meetings_grouped(world: World) -> None:
    services.meeting_start(actor=world.chair, meeting=world.meeting)
    upcoming = MeetingFactory.create(union=world.union, title="Autumn meeting")
    past = MeetingFactory.create(union=world.union, title="Spring congress")
    for meeting in (upcoming, past):
        ParticipantFactory.create(meeting=meeting, member=world.voters[0])
    Meeting.objects.filter(pk=past.pk).update(status=Meeting.Status.CLOSED)
    other = MeetingFactory.create(title="Another union meeting")  # another union
    not_on_roster = MeetingFactory.create(union=world.union, title="Officers' meeting")

    html = logged_in(world.voters[0]).get(reverse("frontend:home")).content.decode()
    assert world.meeting.title in html
    assert reverse("frontend:meeting", args=[world.meeting.pk]) in html
    assert upcoming.title in html
    assert past.title in html
    assert other.title not in html
    assert not_on_roster.title not in html
    # Live, then upcoming, then past.
    assert html.index("Live now") < html.index(world.meeting.title)
    assert html.index(world.meeting.title) < html.index("Upcoming") < html.index(upcoming.title)
    assert html.index(upcoming.title) < html.index("Past") < html.index(past.title)

    outsider_html = logged_in(world.outsider).get(reverse("frontend:home")).content.decode()
    assert world.meeting.title not in outsider_html
    assert "You have no meetings yet." in outsider_html


@pytest.mark.parametrize("name", ["home", "meeting", "chair"])
def test_anonymous_users_are_sent_to_login(world: World, name: str) -> None:
    url = (
        reverse("frontend:home")
        if name == "home"
        else reverse(f"frontend:{name}", args=[world.meeting.pk])
    )
    response = Client().get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("frontend:login") + "?next=")


def test_member_page_for_a_participant(world: World) -> None:
    services.meeting_start(actor=world.chair, meeting=world.meeting)
    response = logged_in(world.voters[0]).get(reverse("frontend:meeting", args=[world.meeting.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert world.meeting.title in html
    # The current item is marked for assistive technology and in visible text.
    current = re.search(r'<li[^>]*aria-current="step"[^>]*>(.*?)</li>', html, re.S)
    assert current is not None
    assert "Now" in current.group(1) and "Item 1" in current.group(1)
    assert html.count('aria-current="step"') == 1
    assert 'id="connection-banner"' in html and 'aria-live="polite"' in html
    assert "frontend/member.js" in html
    # A voter gets no link to the chair console.
    assert reverse("frontend:chair", args=[world.meeting.pk]) not in html


def test_member_page_refuses_non_participants_and_unknown_meetings(world: World) -> None:
    outsider = logged_in(world.outsider)
    refused = outsider.get(reverse("frontend:meeting", args=[world.meeting.pk]))
    assert refused.status_code == 403
    assert "not on this meeting" in refused.content.decode()
    # A member of the union who is not on the roster is refused too (as by the socket).
    member = MembershipFactory.create(union=world.union).member
    assert (
        logged_in(member).get(reverse("frontend:meeting", args=[world.meeting.pk])).status_code
        == 403
    )
    missing = outsider.get(reverse("frontend:meeting", args=[world.meeting.pk + 1000]))
    assert missing.status_code == 404
    assert "No such meeting." in missing.content.decode()


def test_chair_console_for_chair_and_clerk_only(world: World) -> None:
    url = reverse("frontend:chair", args=[world.meeting.pk])
    for member in (world.chair, world.clerk):
        response = logged_in(member).get(url)
        assert response.status_code == 200
        html = response.content.decode()
        for label in ("Start meeting", "Next", "Previous", "Create projector link", "Add item"):
            assert label in html
        assert 'role="alert"' in html
    voter = logged_in(world.voters[0]).get(url)
    assert voter.status_code == 403
    assert "Only the chair or a clerk" in voter.content.decode()
    assert logged_in(world.outsider).get(url).status_code == 403
    assert (
        logged_in(world.chair)
        .get(reverse("frontend:chair", args=[world.meeting.pk + 1000]))
        .status_code
        == 404
    )


def open_projector(client: Client, token: str) -> Any:
    """Open a projector link as the room's browser does: the token is swapped
    for the projector cookie and the browser lands on the clean address."""
    response = client.get(reverse("frontend:projector", args=[token]), follow=True)
    return response


def test_projector_page_with_a_valid_token_needs_no_login(world: World) -> None:
    token = services.projector_link_create(actor=world.chair, meeting=world.meeting)
    services.meeting_start(actor=world.chair, meeting=world.meeting)
    response = open_projector(Client(), token)
    assert response.status_code == 200
    html = response.content.decode()
    assert world.meeting.title in html
    assert re.search(r'id="current-title"[^>]*>Item 1<', html)
    assert re.search(r'id="next-title"[^>]*>Item 2<', html)
    assert "frontend/projector.js" in html
    assert token not in html


def test_a_projector_link_is_swapped_for_a_cookie_and_a_clean_address(world: World) -> None:
    token = services.projector_link_create(actor=world.chair, meeting=world.meeting)
    client = Client()
    swap = client.get(reverse("frontend:projector", args=[token]))
    clean = f"/meetings/{world.meeting.pk}/projector/"
    assert swap.status_code == 302 and swap["Location"] == clean
    assert swap["Referrer-Policy"] == "no-referrer" and swap["Cache-Control"] == "no-store"
    cookie = swap.cookies[PROJECTOR_COOKIE]
    assert cookie.value == token and cookie["httponly"] and cookie["samesite"] == "Lax"
    assert client.get(clean).status_code == 200
    # Without the cookie (another browser), or with another meeting's: refused.
    assert Client().get(clean).status_code == 404
    other = build_world()
    other_token = services.projector_link_create(actor=other.chair, meeting=other.meeting)
    stranger = Client()
    stranger.cookies[PROJECTOR_COOKIE] = other_token
    assert stranger.get(clean).status_code == 403
    # A forged link sets no cookie.
    forged = Client().get(reverse("frontend:projector", args=[token[:-2] + "xx"]))
    assert forged.status_code == 404 and PROJECTOR_COOKIE not in forged.cookies


def test_projector_page_refuses_forged_and_revoked_tokens(world: World) -> None:
    token = services.projector_link_create(actor=world.chair, meeting=world.meeting)
    forged = Client().get(reverse("frontend:projector", args=[token[:-2] + "xx"]))
    assert forged.status_code == 404
    assert "This projector link is not valid." in forged.content.decode()

    opened = Client()
    assert open_projector(opened, token).status_code == 200
    services.projector_links_revoke(actor=world.chair, meeting=world.meeting)
    revoked = Client().get(reverse("frontend:projector", args=[token]))
    assert revoked.status_code == 404
    assert "This projector link has been revoked." in revoked.content.decode()
    # The browser that opened it before the revocation: its cookie opens nothing now.
    again = opened.get(f"/meetings/{world.meeting.pk}/projector/")
    assert again.status_code == 404
    assert "This projector link has been revoked." in again.content.decode()


def test_language_switch_sets_lang_and_dir(world: World) -> None:
    client = Client()
    html = client.get(reverse("frontend:login")).content.decode()
    assert '<html lang="en" dir="ltr">' in html
    assert 'action="/i18n/setlang/"' in html

    response = client.post("/i18n/setlang/", {"language": "ar", "next": reverse("frontend:login")})
    assert response.status_code == 302
    html = client.get(reverse("frontend:login")).content.decode()
    assert '<html lang="ar" dir="rtl">' in html

    client.post("/i18n/setlang/", {"language": "vi", "next": reverse("frontend:login")})
    assert '<html lang="vi" dir="ltr">' in client.get(reverse("frontend:login")).content.decode()


def test_pages_link_the_javascript_catalog(world: World) -> None:
    html = logged_in(world.chair).get(reverse("frontend:home")).content.decode()
    # The page's language and the catalogue's version are in the URL: cacheable.
    found = re.search(r'src="(/jsi18n/\?language=en&amp;v=\w+)"', html)
    assert found is not None
    url = found.group(1).replace("&amp;", "&")
    catalogue = Client().get(url)
    assert catalogue.status_code == 200
    assert "immutable" in catalogue["Cache-Control"]
    assert Client().get(reverse("javascript-catalog")).status_code == 200


# --- voting -----------------------------------------------------------------------


def initial_snapshot(html: str) -> dict[str, Any]:
    found = re.search(
        r'<script id="initial-snapshot" type="application/json">(.*?)</script>', html, re.S
    )
    assert found is not None
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def live_meeting_with_polls(world: World) -> tuple[Poll, Poll]:
    """A live meeting with an open motion and a draft election."""
    services.meeting_start(actor=world.chair, meeting=world.meeting)
    motion = voting_services.poll_create(
        actor=world.chair, meeting=world.meeting, title="Adopt the budget", kind="motion"
    )
    motion = voting_services.poll_open(actor=world.chair, poll=motion)
    draft = voting_services.poll_create(
        actor=world.chair,
        meeting=world.meeting,
        title="Executive committee",
        kind="election",
        options=["Ana", "Binh", "Chi"],
        seats=2,
    )
    return motion, draft


def test_member_page_carries_open_polls_and_my_roll_entries(world: World) -> None:
    motion, draft = live_meeting_with_polls(world)
    html = (
        logged_in(world.voters[0])
        .get(reverse("frontend:meeting", args=[world.meeting.pk]))
        .content.decode()
    )
    # The ballot is drawn by script into a labelled region, above the agenda.
    assert re.search(r'<section id="voting"[^>]*aria-label="Voting"', html)
    assert html.index('id="voting"') < html.index('id="agenda"')
    assert 'id="announcer"' in html and 'aria-live="polite"' in html
    snapshot = initial_snapshot(html)
    assert [poll["id"] for poll in snapshot["polls"]] == [motion.pk]  # no drafts for members
    assert [o["label"] for o in snapshot["polls"][0]["options"]] == ["Yes", "No", "Abstain"]
    mine = snapshot["my_votes"][str(motion.pk)]
    assert [(e["on_behalf_of"], e["voted"]) for e in mine] == [(None, False)]
    assert snapshot["turnout"]["poll_id"] == motion.pk
    assert snapshot["turnout"]["entitled"] == 4  # the chair and three voters
    assert draft.pk not in [poll["id"] for poll in snapshot["polls"]]


def test_member_page_without_polls_hides_the_voting_region(world: World) -> None:
    html = (
        logged_in(world.voters[0])
        .get(reverse("frontend:meeting", args=[world.meeting.pk]))
        .content.decode()
    )
    assert re.search(r'<section id="voting"[^>]*hidden', html)
    assert initial_snapshot(html)["polls"] == []


def test_chair_console_has_the_poll_and_voting_settings_forms(world: World) -> None:
    motion, draft = live_meeting_with_polls(world)
    services.meeting_voting_settings_update(
        actor=world.chair, meeting=world.meeting, quorum_kind="count", quorum_count=3
    )
    html = (
        logged_in(world.chair)
        .get(reverse("frontend:chair", args=[world.meeting.pk]))
        .content.decode()
    )
    # Every control of both forms has a label.
    for control_id in (
        "poll-title",
        "poll-description",
        "poll-kind",
        "poll-options",
        "poll-min",
        "poll-max",
        "poll-seats",
        "poll-secrecy",
        "poll-results",
        "poll-majority",
        "poll-base",
        "poll-tie",
        "poll-agenda",
        "poll-remote",
        "poll-close-all",
        "quorum-kind",
        "quorum-count",
        "quorum-share",
        "requires-presence",
        "proxy-limit",
    ):
        assert f'<label for="{control_id}">' in html, control_id
        assert f'id="{control_id}"' in html
    for value in ("motion", "single", "multiple", "election"):
        assert f'<option value="{value}">' in html
    for value in ("simple", "absolute", "two_thirds", "three_quarters"):
        assert f'<option value="{value}">' in html
    assert '<option value="secret" selected>' in html
    # The agenda items to link a poll to; the current settings filled in.
    assert f'<option value="{world.items[0].pk}">Item 1</option>' in html
    assert '<option value="count" selected>' in html
    assert (
        'id="quorum-count" name="quorum_count" type="number" min="0" inputmode="numeric" value="3"'
        in html
    )
    assert f'href="/api/meetings/{world.meeting.pk}/results.csv"' in html
    assert 'id="quorum-status"' in html
    assert "frontend/chair.js" in html
    # Chair and clerks see drafts too.
    snapshot = initial_snapshot(html)
    assert [poll["id"] for poll in snapshot["polls"]] == [motion.pk, draft.pk]
    assert snapshot["quorum"]["kind"] == "count"


def test_chair_console_settings_values_are_not_localised(world: World) -> None:
    services.meeting_voting_settings_update(
        actor=world.chair, meeting=world.meeting, quorum_kind="share", quorum_share="0.5"
    )
    client = logged_in(world.chair)
    client.post("/i18n/setlang/", {"language": "vi", "next": "/"})
    html = client.get(reverse("frontend:chair", args=[world.meeting.pk])).content.decode()
    assert '<html lang="vi"' in html
    assert re.search(r'id="quorum-share"[^>]*value="0\.5000"', html)


def test_projector_page_carries_the_open_poll_and_the_server_time(world: World) -> None:
    motion, _draft = live_meeting_with_polls(world)
    token = services.projector_link_create(actor=world.chair, meeting=world.meeting)
    before = int(time.time() * 1000)
    html = open_projector(Client(), token).content.decode()
    after = int(time.time() * 1000)
    assert 'id="projector-poll"' in html
    assert 'id="quorum-line"' in html
    found = re.search(r'data-server-time="(\d+)"', html)
    assert found is not None and before <= int(found.group(1)) <= after
    snapshot = initial_snapshot(html)
    assert [poll["id"] for poll in snapshot["polls"]] == [motion.pk]
    assert snapshot["my_votes"] == {}
    assert snapshot["turnout"]["ballots"] == 0
