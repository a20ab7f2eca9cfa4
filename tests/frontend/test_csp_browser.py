"""The Content-Security-Policy in Chromium: every page runs under it (our
scripts from static files, data in JSON blocks) with no violation reported,
and an injected inline script is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from meetings import services
from meetings.services.projector import projector_token_for
from tests.conftest import build_world
from tests.frontend.browser import TIMEOUT_MS, chromium, log_in, watch_errors
from tests.servers import daphne_server

pytestmark = pytest.mark.browser

# Every securitypolicyviolation event of the page, kept on window.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


@pytest.mark.django_db(transaction=True)
def test_every_page_runs_with_no_csp_violation(tmp_path: Path, chromium_path: str) -> None:
    world = build_world(voters=1, items=2)
    services.meeting_start(actor=world.chair, meeting=world.meeting)
    services.meeting_update(
        actor=world.chair,
        meeting=world.meeting,
        livestream_url="https://stream.example.org/live/union.m3u8",
        board_public=True,
    )
    world.chair.is_staff = world.chair.is_superuser = True
    world.chair.save()
    meeting = world.meeting.pk
    projector = projector_token_for(world.meeting)
    pages = [
        "/",
        f"/meetings/{meeting}/",
        f"/meetings/{meeting}/chair/",
        f"/meetings/{meeting}/live/",
        f"/meetings/{meeting}/board/",
        f"/meetings/{meeting}/clerk/",
        f"/meetings/{meeting}/badge/",
        f"/meetings/{meeting}/invitations/",
        f"/projector/{projector}/",
        "/admin/",
        "/admin/meetings/meeting/",
        f"/admin/meetings/meeting/{meeting}/change/",
    ]
    errors: list[str] = []
    violations: dict[str, list[str]] = {}
    with daphne_server(tmp_path) as base, chromium(chromium_path) as browser:
        context = browser.new_context(viewport={"width": 360, "height": 740})
        context.add_init_script(RECORD_VIOLATIONS)
        # The stream host is not on the test machine's network.
        context.route(
            "https://stream.example.org/**",
            lambda route: route.fulfill(status=404, content_type="text/plain", body="not live"),
        )
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        watch_errors(page, errors)
        page.goto(f"{base}/login/")
        response = page.goto(f"{base}/login/")
        assert response is not None
        assert "script-src 'self';" in response.headers["content-security-policy"]
        log_in(page, base, world.chair.username)
        for path in pages:
            response = page.goto(f"{base}{path}")
            assert response is not None and response.ok, path
            page.wait_for_load_state("networkidle")
            found = page.evaluate("window.__cspViolations")
            if found:
                violations[path] = found

        # The policy does refuse an inline script (so the check above can fail).
        page.goto(f"{base}/meetings/{meeting}/")
        page.evaluate(
            """() => {
              const script = document.createElement("script");
              script.textContent = "window.__injected = true";
              document.body.append(script);
            }"""
        )
        assert page.evaluate("window.__injected") is None
        assert any("script-src" in v for v in page.evaluate("window.__cspViolations"))

    assert not violations, violations
    # The stream host's 404s (hls.js asks for the manifest) and the injected
    # script's refusal are the only console errors.
    unexpected = [
        e for e in errors if "status of 404" not in e and "Content Security Policy" not in e
    ]
    assert not unexpected, unexpected
