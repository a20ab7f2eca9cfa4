"""The language switcher on every page, the JavaScript catalogue, and the
page scripts' numbers in the reader's language."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils.translation.trans_real import DjangoTranslation
from playwright.sync_api import expect

from meetings import services
from meetings.models import Meeting, Member
from tests.conftest import World, build_world
from tests.frontend.browser import TIMEOUT_MS, chromium, log_in_by_id, watch_errors
from tests.i18n import catalogues
from tests.servers import daphne_server

pytestmark = pytest.mark.usefixtures("catalogues")
__all__ = ["catalogues"]  # a fixture, imported for pytest

SWITCHER = 'action="/i18n/setlang/"'


def logged_in(member: Member) -> Client:
    client = Client()
    client.force_login(member)
    return client


@pytest.mark.django_db
def test_every_page_has_the_language_switcher(world: World) -> None:
    meeting = world.meeting.pk
    token = services.projector_link_create(actor=world.chair, meeting=world.meeting)
    chair = logged_in(world.chair)
    pages = {
        "login": (Client(), reverse("frontend:login")),
        "home": (chair, reverse("frontend:home")),
        "member page": (logged_in(world.voters[0]), reverse("frontend:meeting", args=[meeting])),
        "chair console": (chair, reverse("frontend:chair", args=[meeting])),
        "door check-in": (chair, reverse("frontend:clerk", args=[meeting])),
        "board": (chair, reverse("frontend:board", args=[meeting])),
        "my badge": (chair, reverse("frontend:my-badge", args=[meeting])),
        "invitations": (chair, reverse("frontend:invitations", args=[meeting])),
        "projector": (Client(), reverse("frontend:projector", args=[token])),
        "badge check-in": (chair, reverse("frontend:checkin-badge", args=["nope"])),
        "room check-in": (chair, reverse("frontend:checkin-room", args=[meeting, "nope"])),
        "login link": (Client(), reverse("frontend:login-link", args=["nope"])),
        "error": (logged_in(world.outsider), reverse("frontend:chair", args=[meeting])),
    }
    try:
        livestream = reverse("frontend:livestream", args=[meeting])
    except NoReverseMatch:
        pass  # no livestream page in this version
    else:
        Meeting.objects.filter(pk=meeting).update(livestream_url="https://example.org/live.m3u8")
        pages["livestream"] = (logged_in(world.voters[0]), livestream)
    for name, (client, url) in pages.items():
        response = client.get(url, follow=True)  # token links redirect to a clean page
        assert response.status_code < 500, name
        html = response.content.decode()
        assert html.count(SWITCHER) == 1, name
        assert 'id="language-select"' in html, name


@pytest.mark.django_db
def test_javascript_catalogue_is_ours_only_and_cacheable() -> None:
    url = reverse("javascript-catalog")
    arabic = Client().get(url, {"language": "ar", "v": "whatever"})
    text = arabic.content.decode()
    assert arabic["Content-Language"] == "ar"
    reconnecting = DjangoTranslation("ar", domain="djangojs").gettext("Reconnecting…")
    assert reconnecting != "Reconnecting…" and json.dumps(reconnecting) in text
    assert "Choose a Date" not in text  # the admin's calendar strings stay out
    assert "immutable" not in arabic.get("Cache-Control", "")  # not the current version

    html = Client(headers={"accept-language": "vi"}).get(reverse("frontend:login")).content
    found = re.search(rb'src="(/jsi18n/\?language=vi&amp;v=\w+)"', html)
    assert found is not None
    current = Client().get(found.group(1).decode().replace("&amp;", "&"))
    assert current["Content-Language"] == "vi"
    assert "max-age=31536000" in current["Cache-Control"]
    assert "immutable" in current["Cache-Control"]


# The number helpers of i18n.js, run in the page's language.
NUMBERS_SCRIPT = """
async (language) => {
  document.documentElement.lang = language;
  const i18n = await import("/static/frontend/i18n.js");
  const voting = await import("/static/frontend/voting.js");
  const intl = new Intl.NumberFormat(language, { maximumFractionDigits: 4 });
  return {
    number: i18n.formatNumber(1234),
    expectedNumber: intl.format(1234),
    decimal: i18n.formatNumber("29.5000"),
    expectedDecimal: intl.format(29.5),
    weight: voting.formatWeight("1234.2500"),
    expectedWeight: intl.format(1234.25),
    wholeWeight: voting.formatWeight("6.0000"),
    expectedWholeWeight: intl.format(6),
    percent: i18n.formatPercent(0.255),
    expectedPercent: new Intl.NumberFormat(language, {
      style: "percent", maximumFractionDigits: 1 }).format(0.255),
    clock: voting.clock(125000),
    expectedClock: [2, 5]
      .map((n) => new Intl.NumberFormat(language, { minimumIntegerDigits: 2 }).format(n))
      .join(":"),
    time: i18n.formatTime("2026-03-01T14:05:00"),
    expectedTime: new Intl.DateTimeFormat(language, {
      hour: "numeric", minute: "2-digit" }).format(new Date("2026-03-01T14:05:00")),
    notANumber: i18n.formatNumber("ABCD-EFGH"),
    turnout: voting.turnoutSentence({ ballots: 1200, entitled: 1500 }),
  };
}
"""


def test_page_scripts_show_numbers_in_the_readers_language(
    transactional_db: None, chromium_path: str, tmp_path: Path
) -> None:
    with daphne_server(tmp_path) as base, chromium(chromium_path) as browser:
        page = browser.new_page()
        page.goto(f"{base}/login/")
        results = {language: page.evaluate(NUMBERS_SCRIPT, language) for language in ("en", "vi")}
        arabic = page.evaluate(NUMBERS_SCRIPT, "ar")

    en, vi = results["en"], results["vi"]
    assert (en["number"], en["decimal"], en["weight"]) == ("1,234", "29.5", "1,234.25")
    assert (vi["number"], vi["decimal"], vi["weight"]) == ("1.234", "29,5", "1.234,25")
    assert en["clock"] == "02:05" and en["percent"] == "25.5%"
    assert en["turnout"] == "1,200 of 1,500 have voted"
    for r in (en, vi, arabic):
        assert r["number"] == r["expectedNumber"]
        assert r["decimal"] == r["expectedDecimal"]
        assert r["weight"] == r["expectedWeight"]
        assert r["wholeWeight"] == r["expectedWholeWeight"]  # "6", never "6.0000"
        assert r["percent"] == r["expectedPercent"]
        assert r["time"] == r["expectedTime"]
        assert r["clock"] == r["expectedClock"]
        assert r["notANumber"] == "ABCD-EFGH"  # codes pass through untouched


def test_switching_language_in_the_browser_keeps_the_choice(
    transactional_db: None, chromium_path: str, tmp_path: Path
) -> None:
    world = build_world(voters=1, items=2)
    voter, meeting = world.voters[0], world.meeting.pk
    expect.set_options(timeout=TIMEOUT_MS)
    errors: list[str] = []
    with daphne_server(tmp_path) as base, chromium(chromium_path) as browser:
        page = browser.new_context(locale="en-US").new_page()
        watch_errors(page, errors)
        log_in_by_id(page, base, voter.username)
        page.goto(f"{base}/meetings/{meeting}/")
        expect(page.locator("html")).to_have_attribute("dir", "ltr")
        page.get_by_label("Language").select_option("ar")
        page.get_by_role("button", name="Change language").click()
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        expect(page.locator("html")).to_have_attribute("lang", "ar")
        expect(page).to_have_url(re.compile(rf"/meetings/{meeting}/$"))
        expect(page.locator("body")).to_have_attribute("data-connection", "open")

        # A second browser of the same member, in English: Arabic follows them.
        other = browser.new_context(locale="en-US").new_page()
        watch_errors(other, errors)
        log_in_by_id(other, base, voter.username)
        other.goto(f"{base}/meetings/{meeting}/")
        expect(other.locator("html")).to_have_attribute("lang", "ar")
    assert errors == []
    voter.refresh_from_db()
    assert voter.preferred_language == "ar"
