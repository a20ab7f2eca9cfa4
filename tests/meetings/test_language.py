"""Which language each entry point speaks (meetings/language.py): pages, the
switcher, REST errors, socket error frames and the badge PDF."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils.translation import override
from pypdf import PdfReader

from config.asgi import application
from core.exceptions import InvalidInput
from core.projector_cookie import PROJECTOR_COOKIE
from meetings import services
from meetings.models import Member
from tests.conftest import World, build_world
from tests.factories import PASSWORD
from tests.i18n import catalogues, in_language, translated
from tests.live.test_consumer import (
    TIMEOUT,
    Socket,
    session_cookie,
    socket_layer,
    socket_test,
)
from tests.voting.conftest import option_id, receipt
from voting import services as voting_services
from voting.selectors import result_sentence

pytestmark = pytest.mark.usefixtures("catalogues")
__all__ = ["catalogues", "socket_layer"]  # fixtures, imported for pytest

HTML_LANG = re.compile(r'<html lang="(\w+)" dir="(\w+)">')


def page_language(client: Client, url: str = "/", **headers: str) -> tuple[str, str]:
    response = client.get(url, follow=True, headers=headers)
    found = HTML_LANG.search(response.content.decode())
    assert found is not None
    return found.group(1), found.group(2)


def logged_in(member: Member) -> Client:
    client = Client()
    client.force_login(member)
    return client


def prefer(member: Member, language: str) -> Member:
    return services.member_language_set(actor=member, language=language)


def test_preference_beats_the_browser_and_the_cookie(world: World) -> None:
    voter = prefer(world.voters[0], "vi")
    client = logged_in(voter)
    assert page_language(client, accept_language="en") == ("vi", "ltr")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"  # an old choice on this browser
    assert page_language(client, accept_language="en") == ("vi", "ltr")
    response = client.get(reverse("frontend:home"))
    assert response["Content-Language"] == "vi"


def test_anonymous_visitors_get_the_cookie_then_the_browser(world: World) -> None:
    login = reverse("frontend:login")
    assert page_language(Client(), login, accept_language="ar") == ("ar", "rtl")
    assert page_language(Client(), login, accept_language="vi,en;q=0.5") == ("vi", "ltr")
    assert page_language(Client(), login, accept_language="de") == ("en", "ltr")
    chosen = Client()
    chosen.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    assert page_language(chosen, login, accept_language="vi") == ("ar", "rtl")


def test_switcher_sets_the_cookie_and_the_preference(world: World) -> None:
    voter = world.voters[0]
    client = logged_in(voter)
    html = client.get(reverse("frontend:home")).content.decode()
    assert 'action="/i18n/setlang/"' in html and 'name="language"' in html

    response = client.post("/i18n/setlang/", {"language": "ar", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ar"
    voter.refresh_from_db()
    assert voter.preferred_language == "ar"
    # Another browser without the cookie: the preference follows the member.
    assert page_language(logged_in(voter), accept_language="en") == ("ar", "rtl")

    # Not an offered language: nothing changes.
    client.post("/i18n/setlang/", {"language": "de", "next": "/"})
    voter.refresh_from_db()
    assert voter.preferred_language == "ar"
    # A GET changes nothing either (Django's rule: state changes are POSTs).
    client.get("/i18n/setlang/", {"language": "vi", "next": "/"})
    voter.refresh_from_db()
    assert voter.preferred_language == "ar"


def test_a_choice_made_before_logging_in_becomes_the_preference(world: World) -> None:
    voter = world.voters[0]
    assert voter.preferred_language == "en"
    client = Client()
    client.post("/i18n/setlang/", {"language": "vi", "next": reverse("frontend:login")})
    assert page_language(client, reverse("frontend:login")) == ("vi", "ltr")
    client.post(reverse("frontend:login"), {"username": voter.username, "password": PASSWORD})
    voter.refresh_from_db()
    assert voter.preferred_language == "vi"
    assert page_language(client, accept_language="ar") == ("vi", "ltr")

    # Logging in without having chosen keeps the stored preference.
    other = world.voters[1]
    prefer(other, "ar")
    fresh = Client(headers={"accept-language": "vi"})
    fresh.post(reverse("frontend:login"), {"username": other.username, "password": PASSWORD})
    other.refresh_from_db()
    assert other.preferred_language == "ar"


def test_member_language_set_offers_only_the_site_languages(world: World) -> None:
    voter = world.voters[0]
    with pytest.raises(InvalidInput):
        services.member_language_set(actor=voter, language="fr")
    assert services.member_language_set(actor=voter, language="ar").preferred_language == "ar"


def test_rest_errors_come_in_the_callers_language(world: World) -> None:
    url = f"/api/meetings/{world.meeting.pk}/"
    # A domain error, for a member who prefers Vietnamese, whatever the browser says.
    outsider = prefer(world.outsider, "vi")
    answer = logged_in(outsider).get(url, headers={"accept-language": "en"})
    assert answer.status_code == 404
    assert answer.json()["detail"] == translated("No such meeting.", "vi")
    assert answer["Content-Language"] == "vi"
    # Django REST framework's own message, for an anonymous Arabic browser.
    anonymous = Client().get(url, headers={"accept-language": "ar"})
    assert anonymous.status_code in (401, 403)
    assert anonymous.json()["detail"] == translated(
        "Authentication credentials were not provided.", "ar"
    )


@asynccontextmanager
async def open_socket(
    meeting_id: int, *, cookie: str = "", projector: str = "", accept_language: str = ""
) -> AsyncIterator[Socket]:
    headers = [(b"origin", b"http://127.0.0.1"), (b"host", b"127.0.0.1")]
    cookies = [c for c in (cookie, projector and f"{PROJECTOR_COOKIE}={projector}") if c]
    if cookies:
        headers.append((b"cookie", "; ".join(cookies).encode()))
    if accept_language:
        headers.append((b"accept-language", accept_language.encode()))
    path = f"/ws/meetings/{meeting_id}/" + ("?as=projector" if projector else "")
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await communicator.connect(timeout=TIMEOUT)
    assert connected
    try:
        yield Socket(communicator)
    finally:
        await communicator.disconnect()


@socket_test
async def test_socket_error_frames_come_in_the_members_language() -> None:
    world = await sync_to_async(build_world)()
    voter = await sync_to_async(prefer)(world.voters[0], "vi")
    cookie = await sync_to_async(session_cookie)(voter)
    async with open_socket(world.meeting.pk, cookie=cookie) as socket:
        assert (await socket.receive())["type"] == "snapshot"
        await socket.send({"type": "launch.rockets", "ref": 1})
        error = await socket.receive()
    expected = await sync_to_async(translated)("Unknown message type: %(type)s", "vi")
    assert error["message"] == expected % {"type": "launch.rockets"}

    # No member (the projector): the handshake's Accept-Language decides.
    token = await sync_to_async(services.projector_link_create)(
        actor=world.chair, meeting=world.meeting
    )
    async with open_socket(world.meeting.pk, projector=token, accept_language="ar") as socket:
        assert (await socket.receive())["type"] == "snapshot"
        await socket.send({"type": "agenda.advance", "direction": "next", "ref": 2})
        error = await socket.receive()
    assert error["message"] == await sync_to_async(translated)("The projector is read-only.", "ar")


def test_badge_sheet_speaks_the_meetings_language_whoever_downloads_it(world: World) -> None:
    # Badges are printed once for the whole room: the meeting's language,
    # not that of the chair or clerk who happens to download them.
    url = f"/meetings/{world.meeting.pk}/badges.pdf"
    services.meeting_update(actor=world.chair, meeting=world.meeting, language="en")
    chair = prefer(world.chair, "ar")
    english = PdfReader(io.BytesIO(logged_in(chair).get(url).content))
    assert english.metadata is not None
    assert english.metadata.title == f"{world.meeting.title}: badges"
    text = english.pages[0].extract_text()
    assert "Scan at the door to check in" in text
    assert f"Member number\n{world.voters[0].member_number}" in text

    services.meeting_update(actor=world.chair, meeting=world.meeting, language="ar")
    prefer(chair, "en")  # last: the test thread keeps English afterwards
    response = logged_in(chair).get(url)
    assert response.status_code == 200
    reader = PdfReader(io.BytesIO(response.content))
    # A new string: equal to the catalogue's text, translated or not yet.
    title = in_language("%(meeting)s: badges", "ar") % {"meeting": world.meeting.title}
    assert reader.metadata is not None and reader.metadata.title == title
    assert reader.root_object["/Lang"] == "ar"
    with pytest.raises(InvalidInput):
        services.meeting_update(actor=world.chair, meeting=world.meeting, language="xx")


def test_a_result_reads_in_each_members_language(world: World) -> None:
    """Closed by a chair who reads Vietnamese; each member reads their own."""
    chair = prefer(world.chair, "vi")
    services.meeting_start(actor=chair, meeting=world.meeting)
    poll = voting_services.poll_create(
        actor=chair, meeting=world.meeting, title="Budget", kind="motion", tie_rule="chair"
    )
    poll = voting_services.poll_open(actor=chair, poll=poll)
    for voter, label in zip(world.voters[:2], ["Yes", "No"], strict=True):
        voting_services.ballot_cast(
            voter=voter, poll_id=poll.pk, choices=[option_id(poll, label)], nonce=receipt()
        )
    with override("vi"):
        poll = voting_services.poll_close(actor=chair, poll=poll)
    assert poll.result is not None
    sentences = poll.result["sentences"]
    assert set(sentences) == {"en", "vi", "ar"}
    assert sentences["en"] == "Tied: 1 yes, 1 no; more yes than no required; the chair decides."
    assert poll.result["sentence"] == sentences["vi"]  # the closer's, as before
    with override("ar"):
        assert result_sentence(poll.result) == sentences["ar"]

    with override("vi"):
        poll = voting_services.poll_decide_tie(actor=chair, poll=poll, winners=[])
    assert poll.result is not None
    assert poll.result["sentences"]["en"] == (f"{sentences['en']} The chair decided: not carried.")
    assert poll.result["sentences"]["ar"].startswith(f"{sentences['ar']} ")

    # The board page and the results CSV speak the reader's language.
    reader = prefer(world.voters[2], "ar")
    board = logged_in(reader).get(reverse("frontend:board", args=[world.meeting.pk]))
    assert f'<p class="board-result">{poll.result["sentences"]["ar"]}</p>' in board.content.decode()
    english = prefer(world.voters[0], "en")
    csv = logged_in(english).get(f"/api/meetings/{world.meeting.pk}/results.csv")
    assert poll.result["sentences"]["en"] in csv.content.decode("utf-8-sig")
