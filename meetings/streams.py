"""Livestream links: what the livestream page can show, and how.

A chair pastes the link they have (a YouTube watch page, a Vimeo event, a
Facebook video, an HLS playlist, a video file); the page needs the provider's
embed address or a URL a <video> element can play. Pure functions, no Django:
the meeting service refuses a link this cannot place, so the chair learns at
once rather than the remote members during the meeting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import SplitResult, parse_qs, quote, urlencode, urlsplit, urlunsplit

StreamKind = Literal["iframe", "hls", "mp4"]

YOUTUBE_HOSTS = {
    "youtube.com",
    "www.youtube.com",
    "m.youtube.com",
    "music.youtube.com",
    "youtube-nocookie.com",
    "www.youtube-nocookie.com",
}
YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
YOUTUBE_CHANNEL = re.compile(r"^UC[A-Za-z0-9_-]{22}$")
# Paths whose next segment is the video id: /live/<id>, /shorts/<id>, /embed/<id>, /v/<id>.
YOUTUBE_ID_PATHS = {"live", "shorts", "embed", "v"}
YOUTUBE_EMBED = "https://www.youtube-nocookie.com/embed/"

VIMEO_HOSTS = {"vimeo.com", "www.vimeo.com"}
VIMEO_PLAYER_HOST = "player.vimeo.com"
DIGITS = re.compile(r"^[0-9]+$")
VIMEO_HASH = re.compile(r"^[0-9a-f]{6,}$")

FACEBOOK_HOSTS = {"facebook.com", "www.facebook.com", "m.facebook.com", "web.facebook.com"}
FB_WATCH_HOSTS = {"fb.watch", "www.fb.watch"}
FB_CODE = re.compile(r"^[A-Za-z0-9_-]+$")
FACEBOOK_PLUGIN = "https://www.facebook.com/plugins/video.php?"

HLS_SUFFIXES = (".m3u8",)
FILE_SUFFIXES = (".mp4", ".m4v", ".webm")


@dataclass(frozen=True)
class StreamEmbed:
    """How the page shows a stream: an iframe of the provider's player, or a
    <video> element playing an HLS playlist or a video file."""

    kind: StreamKind
    src: str


def stream_embed(url: str) -> StreamEmbed | None:
    """The embed of a livestream link, or None when the page cannot show it
    (it then offers the plain link). Only http and https links qualify."""
    parts = _web_parts(url)
    if parts is None or parts.hostname is None:
        return None
    if parts.username is not None or parts.password is not None:
        return None  # credentials in a link meant for every member: refuse
    host = parts.hostname.lower().rstrip(".")
    path = [segment for segment in parts.path.split("/") if segment]
    query = parse_qs(parts.query)
    if host in YOUTUBE_HOSTS or host == "youtu.be":
        return _youtube(host, path, query)
    if host in VIMEO_HOSTS or host == VIMEO_PLAYER_HOST:
        return _vimeo(host, path, query)
    if host in FACEBOOK_HOSTS or host in FB_WATCH_HOSTS:
        return _facebook(host, parts.path, path, query, parts.query)
    lowered = parts.path.lower()
    if lowered.endswith(HLS_SUFFIXES):
        return StreamEmbed("hls", urlunsplit(parts._replace(fragment="")))
    if lowered.endswith(FILE_SUFFIXES):
        return StreamEmbed("mp4", urlunsplit(parts._replace(fragment="")))
    return None


def is_web_url(url: str) -> bool:
    """An http or https address with a host (safe to offer as a plain link)."""
    return _web_parts(url) is not None


def _web_parts(url: str) -> SplitResult | None:
    try:
        parts = urlsplit((url or "").strip())
    except ValueError:  # a malformed address, such as an unclosed IPv6 bracket
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return parts


def _first(query: dict[str, list[str]], name: str) -> str:
    values = query.get(name) or [""]
    return values[0]


def _youtube(host: str, path: list[str], query: dict[str, list[str]]) -> StreamEmbed | None:
    video = ""
    if host == "youtu.be":
        video = path[0] if path else ""
    elif path == ["watch"]:
        video = _first(query, "v")
    elif len(path) >= 2 and path[0] in YOUTUBE_ID_PATHS:
        if path[:2] == ["embed", "live_stream"]:
            return _youtube_channel(_first(query, "channel"))
        video = path[1]
    elif len(path) == 3 and path[0] == "channel" and path[2] == "live":
        # A channel's "live" page: the embed follows whatever that channel streams now.
        return _youtube_channel(path[1])
    if YOUTUBE_ID.match(video):
        return StreamEmbed("iframe", YOUTUBE_EMBED + video)
    return None


def _youtube_channel(channel: str) -> StreamEmbed | None:
    if not YOUTUBE_CHANNEL.match(channel):
        return None
    return StreamEmbed("iframe", f"{YOUTUBE_EMBED}live_stream?{urlencode({'channel': channel})}")


def _vimeo(host: str, path: list[str], query: dict[str, list[str]]) -> StreamEmbed | None:
    if host == VIMEO_PLAYER_HOST:
        if len(path) == 2 and path[0] == "video" and DIGITS.match(path[1]):
            return _vimeo_video(path[1], _first(query, "h"))
        return None
    if path and path[0] == "event":
        # vimeo.com/event/<id>, .../embed, and unlisted events .../<hash> or .../embed/<hash>
        if len(path) < 2 or not DIGITS.match(path[1]):
            return None
        rest = path[2:]
        if rest[:1] == ["embed"]:
            rest = rest[1:]
        if len(rest) > 1 or (rest and not VIMEO_HASH.match(rest[0])):
            return None
        suffix = f"/{rest[0]}" if rest else ""
        return StreamEmbed("iframe", f"https://vimeo.com/event/{path[1]}/embed{suffix}")
    if len(path) == 3 and path[0] == "channels":
        path = path[2:]  # vimeo.com/channels/<name>/<id>
    elif len(path) == 4 and path[0] == "showcase" and path[2] == "video":
        path = path[3:]  # vimeo.com/showcase/<id>/video/<id>
    if path and DIGITS.match(path[0]) and len(path) <= 2:
        secret = path[1] if len(path) == 2 else _first(query, "h")
        if secret and not VIMEO_HASH.match(secret):
            return None
        return _vimeo_video(path[0], secret)
    return None


def _vimeo_video(video: str, secret: str) -> StreamEmbed:
    src = f"https://player.vimeo.com/video/{video}"
    if secret and VIMEO_HASH.match(secret):
        src += "?" + urlencode({"h": secret})  # unlisted videos need their hash
    return StreamEmbed("iframe", src)


def _facebook(
    host: str, raw_path: str, path: list[str], query: dict[str, list[str]], raw_query: str
) -> StreamEmbed | None:
    if host in FB_WATCH_HOSTS:
        if len(path) != 1 or not FB_CODE.match(path[0]):
            return None
        return _facebook_plugin(f"https://fb.watch/{path[0]}/")
    if path == ["plugins", "video.php"]:
        href = _first(query, "href")
        inner = stream_embed(href) if href else None
        return inner if inner is not None and inner.src.startswith(FACEBOOK_PLUGIN) else None
    video = ""
    if path in (["watch"], ["watch", "live"], ["video.php"]):
        video = _first(query, "v")
    elif len(path) >= 3 and path[1] == "videos":
        # /<page>/videos/<id>/ or /<page>/videos/<slug>/<id>/
        video = next((segment for segment in reversed(path[2:]) if DIGITS.match(segment)), "")
    elif len(path) == 2 and path[0] in ("reel", "videos"):
        video = path[1]
    if not DIGITS.match(video):
        return None
    # The plugin wants the video's canonical page: the desktop host, no fragment.
    return _facebook_plugin(urlunsplit(("https", "www.facebook.com", raw_path, raw_query, "")))


def _facebook_plugin(href: str) -> StreamEmbed:
    return StreamEmbed("iframe", FACEBOOK_PLUGIN + f"href={quote(href, safe='')}&show_text=false")
