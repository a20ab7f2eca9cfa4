"""Livestream links: which links the livestream page can show and how
(meetings.streams), and the meeting service refusing the others."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from core.exceptions import InvalidInput
from meetings import services
from meetings.streams import StreamEmbed, is_web_url, stream_embed
from tests.api import assert_error, client_for
from tests.conftest import World

YT = "https://www.youtube-nocookie.com/embed/"
VIDEO_ID = "dQw4w9WgXcQ"
CHANNEL = "UC" + "a1B2c3D4e5F6g7H8i9J0k_"  # 24 characters, as YouTube's are


@pytest.mark.parametrize(
    "url",
    [
        f"https://www.youtube.com/watch?v={VIDEO_ID}",
        f"https://youtube.com/watch?v={VIDEO_ID}&t=42s&si=share",
        f"http://www.youtube.com/watch?feature=share&v={VIDEO_ID}",
        f"https://m.youtube.com/watch?v={VIDEO_ID}",
        f"https://music.youtube.com/watch?v={VIDEO_ID}",
        f"https://youtu.be/{VIDEO_ID}",
        f"https://youtu.be/{VIDEO_ID}?si=abc",
        f"https://www.youtube.com/live/{VIDEO_ID}",
        f"https://www.youtube.com/live/{VIDEO_ID}?feature=shared",
        f"https://www.youtube.com/shorts/{VIDEO_ID}",
        f"https://www.youtube.com/embed/{VIDEO_ID}",
        f"https://www.youtube.com/embed/{VIDEO_ID}?autoplay=1",
        f"https://www.youtube-nocookie.com/embed/{VIDEO_ID}",
        f"https://WWW.YouTube.com/watch?v={VIDEO_ID}",
        f"  https://www.youtube.com/watch?v={VIDEO_ID}  ",
        f"https://www.youtube.com/watch?v={VIDEO_ID}#comments",
    ],
)
def test_youtube_links_become_the_privacy_enhanced_embed(url: str) -> None:
    assert stream_embed(url) == StreamEmbed("iframe", YT + VIDEO_ID)


def test_a_youtube_channel_live_page_follows_the_channel() -> None:
    expected = StreamEmbed("iframe", f"{YT}live_stream?channel={CHANNEL}")
    assert stream_embed(f"https://www.youtube.com/channel/{CHANNEL}/live") == expected
    assert stream_embed(f"https://www.youtube.com/embed/live_stream?channel={CHANNEL}") == expected


@pytest.mark.parametrize(
    "url",
    [
        "https://www.youtube.com/",
        "https://www.youtube.com/watch",
        "https://www.youtube.com/watch?v=short",
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ<script>",
        "https://youtu.be/",
        "https://www.youtube.com/@SomeUnion/live",  # a handle: no video id to embed
        "https://www.youtube.com/channel/not-a-channel/live",
        "https://www.youtube.com/playlist?list=PL123",
        "https://www.youtube.com/embed/live_stream?channel=bad",
    ],
)
def test_youtube_links_without_a_video_are_not_embedded(url: str) -> None:
    assert stream_embed(url) is None


@pytest.mark.parametrize(
    ("url", "src"),
    [
        ("https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871"),
        ("https://www.vimeo.com/76979871", "https://player.vimeo.com/video/76979871"),
        ("https://vimeo.com/76979871#t=30s", "https://player.vimeo.com/video/76979871"),
        # an unlisted video carries its hash
        (
            "https://vimeo.com/76979871/a1b2c3d4e5",
            "https://player.vimeo.com/video/76979871?h=a1b2c3d4e5",
        ),
        ("https://player.vimeo.com/video/76979871", "https://player.vimeo.com/video/76979871"),
        (
            "https://player.vimeo.com/video/76979871?h=a1b2c3d4e5&badge=0",
            "https://player.vimeo.com/video/76979871?h=a1b2c3d4e5",
        ),
        (
            "https://vimeo.com/channels/staffpicks/76979871",
            "https://player.vimeo.com/video/76979871",
        ),
        (
            "https://vimeo.com/showcase/123/video/76979871",
            "https://player.vimeo.com/video/76979871",
        ),
        ("https://vimeo.com/event/2345678", "https://vimeo.com/event/2345678/embed"),
        ("https://vimeo.com/event/2345678/", "https://vimeo.com/event/2345678/embed"),
        ("https://vimeo.com/event/2345678/embed", "https://vimeo.com/event/2345678/embed"),
        (
            "https://vimeo.com/event/2345678/0a1b2c3d4e",
            "https://vimeo.com/event/2345678/embed/0a1b2c3d4e",
        ),
        (
            "https://vimeo.com/event/2345678/embed/0a1b2c3d4e",
            "https://vimeo.com/event/2345678/embed/0a1b2c3d4e",
        ),
    ],
)
def test_vimeo_videos_and_events(url: str, src: str) -> None:
    assert stream_embed(url) == StreamEmbed("iframe", src)


@pytest.mark.parametrize(
    "url",
    [
        "https://vimeo.com/",
        "https://vimeo.com/someunion",
        "https://vimeo.com/event/",
        "https://vimeo.com/event/abc",
        "https://vimeo.com/event/2345678/not-a-hash!",
        "https://player.vimeo.com/video/abc",
        "https://vimeo.com/76979871/NOT_A_HASH",
    ],
)
def test_vimeo_links_without_a_video_are_not_embedded(url: str) -> None:
    assert stream_embed(url) is None


def facebook_href(embed: StreamEmbed | None) -> str:
    """The video page the Facebook plugin is given."""
    assert embed is not None and embed.kind == "iframe"
    parts = urlsplit(embed.src)
    assert (parts.scheme, parts.netloc, parts.path) == (
        "https",
        "www.facebook.com",
        "/plugins/video.php",
    )
    query = parse_qs(parts.query)
    assert query["show_text"] == ["false"]
    return query["href"][0]


@pytest.mark.parametrize(
    ("url", "href"),
    [
        (
            "https://www.facebook.com/SomeUnion/videos/1234567890/",
            "https://www.facebook.com/SomeUnion/videos/1234567890/",
        ),
        (
            "https://facebook.com/SomeUnion/videos/1234567890",
            "https://www.facebook.com/SomeUnion/videos/1234567890",
        ),
        (
            "https://m.facebook.com/SomeUnion/videos/congress-day-1/1234567890/",
            "https://www.facebook.com/SomeUnion/videos/congress-day-1/1234567890/",
        ),
        (
            "https://www.facebook.com/watch/?v=1234567890",
            "https://www.facebook.com/watch/?v=1234567890",
        ),
        (
            "https://www.facebook.com/watch/live/?v=1234567890&ref=watch_permalink",
            "https://www.facebook.com/watch/live/?v=1234567890&ref=watch_permalink",
        ),
        (
            "http://web.facebook.com/video.php?v=1234567890#x",
            "https://www.facebook.com/video.php?v=1234567890",
        ),
        ("https://www.facebook.com/reel/1234567890", "https://www.facebook.com/reel/1234567890"),
        ("https://fb.watch/aBc-12_xY/", "https://fb.watch/aBc-12_xY/"),
        ("https://fb.watch/aBc-12_xY", "https://fb.watch/aBc-12_xY/"),
    ],
)
def test_facebook_videos_go_through_the_video_plugin(url: str, href: str) -> None:
    embed = stream_embed(url)
    assert facebook_href(embed) == href
    # The page address is encoded whole: nothing of it leaks into the plugin's own query.
    assert embed is not None and "href=https%3A%2F%2F" in embed.src


def test_a_facebook_plugin_link_is_kept() -> None:
    plugin = stream_embed("https://www.facebook.com/SomeUnion/videos/1234567890/")
    assert plugin is not None
    assert stream_embed(plugin.src) == plugin


@pytest.mark.parametrize(
    "url",
    [
        "https://www.facebook.com/SomeUnion",
        "https://www.facebook.com/SomeUnion/videos/",
        "https://www.facebook.com/watch/?v=abc",
        "https://www.facebook.com/watch/",
        "https://fb.watch/",
        "https://fb.watch/a/b/",
        "https://www.facebook.com/plugins/video.php?href=https%3A%2F%2Fevil.example%2Fx.m3u8",
    ],
)
def test_facebook_links_without_a_video_are_not_embedded(url: str) -> None:
    assert stream_embed(url) is None


@pytest.mark.parametrize(
    "url",
    [
        "https://stream.example.org/live/union.m3u8",
        "https://stream.example.org/live/union.M3U8?token=abc",
        "http://10.0.0.5:8080/hls/room.m3u8",
    ],
)
def test_hls_playlists_play_in_a_video_element(url: str) -> None:
    assert stream_embed(url) == StreamEmbed("hls", url)


@pytest.mark.parametrize(
    "url",
    [
        "https://media.example.org/congress/day1.mp4",
        "https://media.example.org/congress/day1.MP4?download=0",
        "https://media.example.org/congress/day1.webm",
        "https://media.example.org/congress/day1.m4v",
    ],
)
def test_video_files_play_in_a_video_element(url: str) -> None:
    assert stream_embed(url) == StreamEmbed("mp4", url)


def test_the_fragment_of_a_file_link_is_dropped() -> None:
    assert stream_embed("https://media.example.org/a.m3u8#live") == StreamEmbed(
        "hls", "https://media.example.org/a.m3u8"
    )


@pytest.mark.parametrize(
    "url",
    [
        "",
        "   ",
        "not a url",
        "https://",
        "//www.youtube.com/watch?v=dQw4w9WgXcQ",
        "ftp://media.example.org/a.mp4",
        "javascript:alert(1)//.m3u8",
        "data:video/mp4;base64,AAAA",
        "rtmp://live.example.org/app/stream",
        "https://www.twitch.tv/someunion",
        "https://zoom.us/j/123456789",
        "https://media.example.org/stream",
        "https://media.example.org/a.mp4.html",
        "https://user:secret@media.example.org/a.m3u8",
        "http://[::1/a.m3u8",
        "https://www.youtube.com.evil.example/watch?v=dQw4w9WgXcQ",
        "https://notyoutube.com/watch?v=dQw4w9WgXcQ",
    ],
)
def test_anything_else_is_not_embedded(url: str) -> None:
    assert stream_embed(url) is None


def test_is_web_url() -> None:
    assert is_web_url("https://www.twitch.tv/someunion")
    assert is_web_url("http://example.org")
    assert not is_web_url("javascript:alert(1)")
    assert not is_web_url("ftp://example.org/a.mp4")
    assert not is_web_url("")
    assert not is_web_url("http://[::1")


# --- the service refuses what the page could not show --------------------------------


@pytest.mark.django_db
def test_update_refuses_a_link_the_page_cannot_show(world: World) -> None:
    with pytest.raises(InvalidInput) as refused:
        services.meeting_update(
            actor=world.chair, meeting=world.meeting, livestream_url="https://www.twitch.tv/x"
        )
    assert "cannot show this link" in refused.value.message
    world.meeting.refresh_from_db()
    assert world.meeting.livestream_url == ""


@pytest.mark.django_db
def test_update_accepts_a_stream_and_clears_it(world: World) -> None:
    url = f"https://youtu.be/{VIDEO_ID}"
    services.meeting_update(actor=world.chair, meeting=world.meeting, livestream_url=f" {url} ")
    world.meeting.refresh_from_db()
    assert world.meeting.livestream_url == url
    services.meeting_update(actor=world.chair, meeting=world.meeting, livestream_url="")
    world.meeting.refresh_from_db()
    assert world.meeting.livestream_url == ""


@pytest.mark.django_db
def test_create_refuses_a_link_the_page_cannot_show(world: World) -> None:
    with pytest.raises(InvalidInput):
        services.meeting_create(
            actor=world.chair,
            union=world.union,
            title="Congress",
            starts_at=timezone.now() + timedelta(days=3),
            livestream_url="https://zoom.us/j/1",
        )
    meeting = services.meeting_create(
        actor=world.chair,
        union=world.union,
        title="Congress",
        starts_at=timezone.now() + timedelta(days=3),
        livestream_url="https://stream.example.org/congress.m3u8",
    )
    assert meeting.livestream_url == "https://stream.example.org/congress.m3u8"


@pytest.mark.django_db
def test_rest_patch_refuses_with_a_clear_400(world: World) -> None:
    url = f"/api/meetings/{world.meeting.pk}/"
    body = assert_error(
        client_for(world.chair).patch(
            url, {"livestream_url": "https://www.twitch.tv/someunion"}, format="json"
        ),
        400,
        "invalid",
    )
    assert "livestream page cannot show this link" in body["detail"]
    assert "YouTube" in body["detail"] and ".m3u8" in body["detail"]

    ok = client_for(world.chair).patch(
        url, {"livestream_url": "https://vimeo.com/event/2345678"}, format="json"
    )
    assert ok.status_code == 200
    assert ok.json()["livestream_url"] == "https://vimeo.com/event/2345678"
