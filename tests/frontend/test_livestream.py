"""The livestream page for remote members, through Django's test client:
the player for each kind of link, the live parts beside it, who may open it,
and the links to it."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from meetings import services
from meetings.models import Meeting, Member
from tests.conftest import World
from tests.factories import MembershipFactory
from voting import services as voting_services

pytestmark = pytest.mark.django_db

YOUTUBE = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
HLS = "https://stream.example.org/live/union.m3u8"
MP4 = "https://media.example.org/congress/day1.mp4"


def logged_in(member: Member) -> Client:
    client = Client()
    client.force_login(member)
    return client


def set_stream(meeting: Meeting, url: str) -> None:
    """Bypass the service: also links saved before it checked them."""
    Meeting.objects.filter(pk=meeting.pk).update(livestream_url=url)


def live_page(world: World, member: Member | None = None) -> str:
    response = logged_in(member or world.voters[0]).get(
        reverse("frontend:livestream", args=[world.meeting.pk])
    )
    assert response.status_code == 200
    return response.content.decode()


def stream_data(html: str) -> object:
    found = re.search(r'<script id="livestream-data" type="application/json">(.*?)</script>', html)
    assert found is not None
    return json.loads(found.group(1))


def test_url_name() -> None:
    assert reverse("frontend:livestream", args=[7]) == "/meetings/7/live/"


def test_youtube_link_is_an_embedded_iframe(world: World) -> None:
    set_stream(world.meeting, YOUTUBE)
    html = live_page(world)
    frame = re.search(r"<iframe[^>]*>", html, re.S)
    assert frame is not None
    tag = unescape(frame.group(0))
    assert 'src="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"' in tag
    assert f'title="Livestream of {world.meeting.title}"' in tag
    assert 'allow="autoplay; encrypted-media; picture-in-picture; fullscreen"' in tag
    assert "allowfullscreen" in tag
    # YouTube refuses frames that send no referrer; the site's own policy is same-origin.
    assert 'referrerpolicy="strict-origin-when-cross-origin"' in tag
    assert "<video" not in html
    assert "Open the stream in a new tab" in html
    assert f'href="{YOUTUBE}"' in unescape(html)
    assert 'target="_blank" rel="noopener noreferrer"' in html
    assert stream_data(html) == {
        "kind": "iframe",
        "src": "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
        "hls_script": "/static/vendor/hls/hls.min.js",
    }


@pytest.mark.parametrize(
    ("url", "src"),
    [
        ("https://vimeo.com/event/2345678", "https://vimeo.com/event/2345678/embed"),
        (
            "https://www.facebook.com/SomeUnion/videos/1234567890/",
            "https://www.facebook.com/plugins/video.php?href=https%3A%2F%2Fwww.facebook.com"
            "%2FSomeUnion%2Fvideos%2F1234567890%2F&show_text=false",
        ),
    ],
)
def test_vimeo_and_facebook_links_are_iframes(world: World, url: str, src: str) -> None:
    set_stream(world.meeting, url)
    html = live_page(world)
    frame = re.search(r"<iframe[^>]*>", html, re.S)
    assert frame is not None and f'src="{src}"' in unescape(frame.group(0))


def test_hls_link_is_a_video_element_driven_by_the_script(world: World) -> None:
    set_stream(world.meeting, HLS)
    html = live_page(world)
    video = re.search(r"<video[^>]*>", html, re.S)
    assert video is not None
    tag = video.group(0)
    assert "controls" in tag and "playsinline" in tag
    assert f'aria-label="Livestream of {world.meeting.title}"' in unescape(tag)
    # The script picks native HLS or hls.js: no src in the markup.
    assert "src=" not in tag
    assert "<iframe" not in html
    assert stream_data(html) == {
        "kind": "hls",
        "src": HLS,
        "hls_script": "/static/vendor/hls/hls.min.js",
    }
    assert "frontend/livestream.js" in html
    # hls.js itself is never in the markup: the script fetches it only when needed.
    assert "hls.min.js" not in html.replace('"hls_script": "/static/vendor/hls/hls.min.js"', "")


def test_video_file_plays_in_the_video_element(world: World) -> None:
    set_stream(world.meeting, MP4)
    html = live_page(world)
    video = re.search(r"<video[^>]*>", html, re.S)
    assert video is not None and f'src="{MP4}"' in video.group(0)
    assert stream_data(html) == {
        "kind": "mp4",
        "src": MP4,
        "hls_script": "/static/vendor/hls/hls.min.js",
    }


def test_without_a_stream_the_page_says_so(world: World) -> None:
    html = live_page(world)
    assert "No livestream has been set for this meeting." in html
    assert "<iframe" not in html and "<video" not in html
    assert "Open the stream in a new tab" not in html
    assert stream_data(html) is None


def test_a_link_the_page_cannot_show_is_offered_plainly(world: World) -> None:
    # Saved before the service checked links (or through the admin).
    set_stream(world.meeting, "https://www.twitch.tv/someunion")
    html = live_page(world)
    assert "<iframe" not in html and "<video" not in html
    assert "This page cannot show this stream." in html
    assert 'href="https://www.twitch.tv/someunion"' in html
    assert "Open the stream in a new tab" in html
    assert stream_data(html) is None


def test_the_live_parts_of_the_member_page_are_beside_the_player(world: World) -> None:
    set_stream(world.meeting, YOUTUBE)
    services.meeting_start(actor=world.chair, meeting=world.meeting)
    html = live_page(world)
    # Landmarks and headings.
    assert re.search(r'<section id="livestream"[^>]*aria-labelledby="livestream-heading"', html)
    assert '<h2 id="livestream-heading">Livestream</h2>' in html
    assert f'<h1 id="meeting-title">{world.meeting.title}</h1>' in html
    # The current item and the agenda, live.
    assert '<h2 id="current-title" class="now-title" dir="auto">Item 1</h2>' in html
    current = re.search(r'<li[^>]*aria-current="step"[^>]*>(.*?)</li>', html, re.S)
    assert current is not None and "Item 1" in current.group(1)
    # The presented document, presence, the ballot, and the live region.
    for marker in (
        'id="documents"',
        'id="my-attendance"',
        "I am following remotely: confirm my presence",
        'id="voting"',
        'id="announcer"',
        'aria-live="polite"',
        'id="connection-banner"',
    ):
        assert marker in html, marker
    # The ballot in remote mode: polls closed to remote voting show a sentence.
    assert re.search(r'<section id="voting"[^>]*data-remote-view', html)
    # One socket: the member page's script, plus the player.
    assert "frontend/member.js" in html and "frontend/livestream.js" in html
    assert "frontend/livestream.css" in html
    assert "initial-snapshot" in html


def test_the_member_page_ballot_is_not_in_remote_mode(world: World) -> None:
    html = (
        logged_in(world.voters[0])
        .get(reverse("frontend:meeting", args=[world.meeting.pk]))
        .content.decode()
    )
    assert re.search(r'<section id="voting"[^>]*>', html)
    assert "data-remote-view" not in html
    # ... and the member page does not load the player (nor hls.js).
    assert "livestream.js" not in html and "hls.min.js" not in html


def test_the_snapshot_tells_the_page_which_polls_allow_remote_voting(world: World) -> None:
    services.meeting_start(actor=world.chair, meeting=world.meeting)
    poll = voting_services.poll_create(
        actor=world.chair,
        meeting=world.meeting,
        title="Room only",
        kind="motion",
        allow_remote=False,
    )
    voting_services.poll_open(actor=world.chair, poll=poll)
    html = live_page(world)
    found = re.search(r'<script id="initial-snapshot" type="application/json">(.*?)</script>', html)
    assert found is not None
    polls = json.loads(found.group(1))["polls"]
    assert [(p["title"], p["state"], p["allow_remote"]) for p in polls] == [
        ("Room only", "open", False)
    ]


def test_chair_and_clerk_may_open_it(world: World) -> None:
    for member in (world.chair, world.clerk):
        assert "No livestream has been set" in live_page(world, member)


def test_refusals_match_the_other_meeting_pages(world: World) -> None:
    url = reverse("frontend:livestream", args=[world.meeting.pk])
    anonymous = Client().get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("frontend:login") + "?next=")

    refused = logged_in(world.outsider).get(url)
    assert refused.status_code == 403
    assert "not on this meeting" in refused.content.decode()
    # A member of the union who is not on the roster is refused too.
    bystander = MembershipFactory.create(union=world.union).member
    assert logged_in(bystander).get(url).status_code == 403

    missing = logged_in(world.voters[0]).get(
        reverse("frontend:livestream", args=[world.meeting.pk + 1000])
    )
    assert missing.status_code == 404
    assert "No such meeting." in missing.content.decode()


def test_post_is_refused(world: World) -> None:
    url = reverse("frontend:livestream", args=[world.meeting.pk])
    assert logged_in(world.voters[0]).post(url).status_code == 405


def test_member_page_and_home_link_to_it_when_there_is_a_stream(world: World) -> None:
    live_url = reverse("frontend:livestream", args=[world.meeting.pk])
    member = logged_in(world.voters[0])
    meeting_url = reverse("frontend:meeting", args=[world.meeting.pk])
    assert live_url not in member.get(meeting_url).content.decode()
    assert live_url not in member.get(reverse("frontend:home")).content.decode()

    set_stream(world.meeting, HLS)
    for page in (member.get(meeting_url), member.get(reverse("frontend:home"))):
        html = page.content.decode()
        link = re.search(rf'<a[^>]*href="{re.escape(live_url)}"[^>]*>(.*?)</a>', html, re.S)
        assert link is not None
        assert link.group(1).strip() == "Watch the livestream"


def test_the_page_follows_the_chosen_language(world: World) -> None:
    set_stream(world.meeting, YOUTUBE)
    member = world.voters[0]
    member.preferred_language = "ar"
    member.save(update_fields=["preferred_language"])
    client = logged_in(member)
    response = client.get(reverse("frontend:livestream", args=[world.meeting.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="ar" dir="rtl"' in html
    assert "<iframe" in html
