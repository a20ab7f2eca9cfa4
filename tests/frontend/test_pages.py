"""The server-rendered pages, through Django's test client."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from meetings import services
from meetings.models import Meeting, Member
from tests.conftest import World
from tests.factories import PASSWORD, MeetingFactory, MembershipFactory, ParticipantFactory

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


def test_projector_page_with_a_valid_token_needs_no_login(world: World) -> None:
    token = services.projector_link_create(actor=world.chair, meeting=world.meeting)
    services.meeting_start(actor=world.chair, meeting=world.meeting)
    response = Client().get(reverse("frontend:projector", args=[token]))
    assert response.status_code == 200
    html = response.content.decode()
    assert world.meeting.title in html
    assert re.search(r'id="current-title"[^>]*>Item 1<', html)
    assert re.search(r'id="next-title"[^>]*>Item 2<', html)
    assert "frontend/projector.js" in html


def test_projector_page_refuses_forged_and_revoked_tokens(world: World) -> None:
    token = services.projector_link_create(actor=world.chair, meeting=world.meeting)
    forged = Client().get(reverse("frontend:projector", args=[token[:-2] + "xx"]))
    assert forged.status_code == 404
    assert "This projector link is not valid." in forged.content.decode()

    services.projector_links_revoke(actor=world.chair, meeting=world.meeting)
    revoked = Client().get(reverse("frontend:projector", args=[token]))
    assert revoked.status_code == 404
    assert "This projector link has been revoked." in revoked.content.decode()


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
    assert f'src="{reverse("javascript-catalog")}"' in html
    assert Client().get(reverse("javascript-catalog")).status_code == 200
