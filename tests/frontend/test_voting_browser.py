"""Voting end to end in Debian's Chromium: the chair opens a motion from the
console (overriding a missing quorum), a member votes on a phone and keeps a
receipt, the projector and the console follow the turnout, the chair closes
the poll and the result appears. Then the phone's retry and receipt rules,
driven through a scripted socket."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from meetings import services
from tests.conftest import build_world
from tests.frontend.browser import TIMEOUT_MS, chromium, log_in, watch_errors
from tests.servers import daphne_server
from tests.voting.conftest import receipt
from voting import services as voting_services

pytestmark = pytest.mark.browser

RECEIPT = re.compile(r"^[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}$")
QUESTION = "Adopt the budget"


def test_member_votes_on_a_phone_and_the_room_follows(
    transactional_db: None, chromium_path: str, tmp_path: Path
) -> None:
    # Everything in the database first: Playwright's loop then owns this thread.
    world = build_world(voters=2, items=2)  # the chair and two voters may vote
    meeting = world.meeting
    services.meeting_start(actor=world.chair, meeting=meeting)
    poll = voting_services.poll_create(
        actor=world.chair, meeting=meeting, title=QUESTION, kind="motion"
    )
    token = services.projector_link_create(actor=world.chair, meeting=meeting)
    chair_login, voter_login = world.chair.username, world.voters[0].username
    paper_voter = f"{world.voters[1].full_name} ({world.voters[1].member_number})"
    errors: list[str] = []
    expect.set_options(timeout=TIMEOUT_MS)

    with (
        daphne_server(tmp_path, redis_url=os.environ.get("REDIS_URL") or None) as base,
        chromium(chromium_path) as browser,
    ):
        chair = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
        watch_errors(chair, errors)
        log_in(chair, base, chair_login)
        chair.goto(f"{base}/meetings/{meeting.pk}/chair/")
        expect(chair.locator("body")).to_have_attribute("data-connection", "open")
        quorum = chair.locator("#quorum-status")
        expect(quorum).to_have_text("No quorum is required; presence is not being tracked.")

        # The chair asks for ten voters present: more than the roster has.
        settings = chair.get_by_role("region", name="Voting settings")
        settings.get_by_label("Quorum", exact=True).select_option("count")
        settings.get_by_label("Voters present needed").fill("10")
        settings.get_by_role("button", name="Save voting settings").click()
        expect(settings.get_by_role("status")).to_have_text("Voting settings saved.")
        expect(quorum).to_have_text(
            "No quorum: presence is not being tracked, and all 3 voters are not enough."
        )

        projector = browser.new_context(viewport={"width": 1920, "height": 1080}).new_page()
        watch_errors(projector, errors)
        projector.goto(f"{base}/projector/{token}/")
        expect(projector.locator("#connection")).to_have_text("Connected")
        expect(projector.locator("#quorum-line")).to_contain_text("No quorum")

        phone_context = browser.new_context(
            viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
        )
        phone = phone_context.new_page()
        watch_errors(phone, errors)
        log_in(phone, base, voter_login)
        phone.goto(f"{base}/meetings/{meeting.pk}/")
        expect(phone.locator("body")).to_have_attribute("data-connection", "open")
        expect(phone.get_by_role("group", name="Your vote")).to_have_count(0)

        # The chair opens the motion; without quorum the console asks why.
        polls = chair.get_by_role("region", name="Polls", exact=True)
        polls.get_by_label("Voting time in minutes (optional)").fill("10")
        polls.get_by_role("button", name=f"Open: {QUESTION}").click()
        expect(chair.get_by_role("alert").filter(has_text="no quorum")).to_be_visible()
        chair.get_by_label("Reason to open without quorum").fill("Members are on the way")
        polls.get_by_role("button", name=f"Open without quorum: {QUESTION}").click()
        expect(polls.get_by_role("button", name=f"Close: {QUESTION}")).to_be_visible()

        # The phone announces the vote and shows the ballot.
        expect(phone.locator("#announcer")).to_have_text(f"Voting is open: {QUESTION}")
        ballot = phone.get_by_role("group", name="Your vote")
        expect(ballot).to_be_visible()
        expect(phone.get_by_role("heading", name=QUESTION, level=2)).to_be_visible()
        expect(phone.locator(f"#turnout-{poll.pk}")).to_have_text("0 of 3 have voted")
        yes = ballot.get_by_role("radio", name="Yes")
        for name in ("Yes", "No", "Abstain"):
            box = ballot.locator("label").filter(has_text=name).bounding_box()
            assert box is not None and box["height"] >= 44, name
        phone.get_by_role("button", name="Review my vote").click()
        expect(phone.get_by_role("alert").filter(has_text="Choose an answer.")).to_be_visible()
        yes.check()
        phone.get_by_role("button", name="Review my vote").click()
        expect(phone.get_by_role("heading", name="Review my vote")).to_be_visible()
        expect(phone.locator(".review-list")).to_have_text("Yes")
        phone.get_by_role("button", name="Change", exact=True).click()
        expect(ballot.get_by_role("radio", name="Yes")).to_be_checked()
        phone.get_by_role("button", name="Review my vote").click()
        phone.get_by_role("button", name="Cast my vote").click()

        expect(phone.get_by_role("heading", name="Your vote was counted")).to_be_visible()
        expect(phone.locator("#announcer")).to_have_text("Your vote was counted")
        code = phone.locator(".receipt-code").inner_text().strip()
        assert RECEIPT.match(code), code
        stored = phone.evaluate(
            "() => Object.keys(localStorage).filter((k) => k.startsWith('uvote:'))"
        )
        assert len(stored) == 1 and stored[0].startswith("uvote:receipt:")

        # The room sees the turnout, as numbers in text, and the time left.
        expect(projector.get_by_role("heading", name=QUESTION)).to_be_visible()
        expect(projector.locator(".turnout-text")).to_have_text("1 of 3 voted, weight 1 of 3")
        expect(polls.locator(".turnout-text")).to_have_text("1 of 3 voted, weight 1 of 3")
        expect(phone.locator(f"#turnout-{poll.pk}")).to_have_text("1 of 3 has voted")
        countdown = projector.get_by_role("timer")
        expect(countdown).to_contain_text("Time left")
        expect(countdown.locator("strong")).to_have_text(re.compile(r"^(0\d:[0-5]\d|10:00)$"))

        # A clerk's job at the chair's console: the paper ballot of the other voter.
        paper = polls.get_by_role("region", name="Paper ballots")
        expect(paper).to_contain_text("2 on the roll have not voted yet.")
        paper.get_by_label("Voter").select_option(label=paper_voter)
        paper.get_by_role("radio", name="Abstain").check()
        paper.get_by_role("button", name=f"Enter paper ballot: {QUESTION}").click()
        expect(paper.get_by_role("status")).to_have_text(
            f"Paper ballot entered for {paper_voter.split(' (')[0]}."
        )
        expect(paper).to_contain_text("1 on the roll has not voted yet.")
        expect(projector.locator(".turnout-text")).to_have_text("2 of 3 voted, weight 2 of 3")

        # A reload: "You voted", the same receipt, no ballot.
        phone.reload()
        expect(phone.locator("body")).to_have_attribute("data-connection", "open")
        expect(phone.get_by_role("heading", name="You voted")).to_be_visible()
        expect(phone.locator(".receipt-code")).to_have_text(code)
        expect(phone.get_by_role("radio")).to_have_count(0)
        expect(phone.get_by_role("button", name="Review my vote")).to_have_count(0)

        # The chair closes the poll after confirming: the result everywhere.
        asked: list[str] = []

        def answer(dialog: Any, accept: bool) -> None:
            asked.append(dialog.message)
            dialog.accept() if accept else dialog.dismiss()

        chair.once("dialog", lambda dialog: answer(dialog, False))
        polls.get_by_role("button", name=f"Close: {QUESTION}").click()
        expect(polls.get_by_role("button", name=f"Close: {QUESTION}")).to_be_visible()
        chair.once("dialog", lambda dialog: answer(dialog, True))
        polls.get_by_role("button", name=f"Close: {QUESTION}").click()
        sentence = projector.locator(".result-sentence")
        expect(sentence).to_contain_text("Carried")
        result_table = projector.get_by_role("table", name=f"Votes on: {QUESTION}")
        expect(result_table).to_contain_text("Yes")
        expect(phone.locator(".result-sentence")).to_have_text(sentence.inner_text())
        expect(phone.locator("#announcer")).to_have_text("Voting closed")
        expect(polls.get_by_role("button", name=f"Publish: {QUESTION}")).to_be_visible()
        expect(polls.locator(".result-sentence")).to_have_text(sentence.inner_text())
        assert asked == [f"Close the poll “{QUESTION}” now? No more ballots will be accepted."] * 2

        assert phone.evaluate("document.documentElement.scrollWidth") <= 390

    assert errors == []


# The phone's ballot rules in Chromium, against a scripted socket and timers:
# deterministic, no waiting.
BALLOT_SCRIPT = """
async () => {
  const { PhoneVoting } = await import("/static/frontend/phone-voting.js");
  const voting = await import("/static/frontend/voting.js");
  localStorage.clear();
  const timers = [];
  window.setTimeout = (fn, ms) => { timers.push({ fn, ms }); return timers.length; };
  window.clearTimeout = (id) => { if (id && timers[id - 1]) timers[id - 1].fn = null; };
  const runTimers = () => { for (const t of timers.splice(0)) if (t.fn) t.fn(); };

  const r = {};
  const motion = {
    id: 5, title: "Adopt?", description: "", kind: "motion", state: "open",
    min_choices: 1, max_choices: 1, result: null, closes_at: null, secrecy: "secret",
    options: [
      { id: 51, label: "Yes", role: "yes" }, { id: 52, label: "No", role: "no" },
      { id: 53, label: "Abstain", role: "abstain" },
    ],
  };
  const entries = () => [
    { roll_entry_id: 1, on_behalf_of: null, name: "Me", weight: "1.0000", voted: false },
    { roll_entry_id: 2, on_behalf_of: 12, name: "Lan", weight: "2.5000", voted: false },
  ];
  const snapshot = () => ({
    viewer: { participant_id: 9 }, polls: [motion], my_votes: { "5": entries() },
    turnout: { poll_id: 5, ballots: 3, entitled: 10, weight: "3", entitled_weight: "12" },
  });
  const sent = [];
  let up = false;
  const socket = { send(m) { if (!up) return false; sent.push(m); return true; }, resync() {} };
  const root = document.createElement("section");
  const announcer = document.createElement("div");
  document.body.append(root, announcer);
  const phone = new PhoneVoting({ root, announcer, meetingId: 7, state: snapshot() });
  phone.setSocket(socket);
  const box = (who) => root.querySelector(`#ballot-5-${who}`);

  r.legends = [...root.querySelectorAll("legend")].map((n) => n.textContent);
  r.turnout = root.querySelector("#turnout-5").textContent;
  phone.onMessage({ type: "poll.turnout", poll_id: 5, ballots: 6, entitled: 10 });
  phone.onMessage({ type: "poll.turnout", poll_id: 5, ballots: 4, entitled: 10 }); // late: ignored
  r.turnoutAfter = root.querySelector("#turnout-5").textContent;

  // Own vote, cast while the socket is down: stored, not lost.
  box("self").querySelector("input[value='51']").click();
  box("self").querySelector("form").requestSubmit();
  box("self").querySelector("[data-vote-action=cast]").click();
  r.sentWhileDown = sent.length;
  r.stepWhileDown = box("self").dataset.step;
  r.pending = JSON.parse(localStorage.getItem("uvote:pending:7:9:5:self"));

  // Reconnected: after the snapshot the pending ballot goes out, same code.
  up = true;
  phone.onSnapshot(snapshot());
  // No answer in time: the timer sends it again, still the same code.
  runTimers();
  r.sent = sent.map((m) => ({ ...m }));

  phone.onMessage({ type: "ack", for: "ballot.cast", ref: sent[0].ref, receipt: {
    poll_id: 5, receipt_code: "SERVERISSUED2345", choices: [51], weight: "1.0000",
    on_behalf_of: null } });
  phone.onMessage({ type: "ack", for: "ballot.cast", ref: sent[1].ref, receipt: {
    poll_id: 5, receipt_code: "SERVERISSUED2345", choices: [51], weight: "1.0000",
    on_behalf_of: null } }); // the duplicate's ack changes nothing
  r.afterAck = {
    heading: box("self").querySelector("h3").textContent,
    code: box("self").querySelector(".receipt-code").textContent,
    pending: localStorage.getItem("uvote:pending:7:9:5:self"),
    receipt: JSON.parse(localStorage.getItem("uvote:receipt:7:9:5:self")),
    announced: announcer.textContent,
  };
  sent.length = 0;
  runTimers(); // the cleared retry does not fire
  r.sentAfterAck = sent.length;

  // The proxy's ballot: refused, because it was already cast elsewhere.
  box("12").querySelector("input[value='52']").click();
  box("12").querySelector("form").requestSubmit();
  r.proxyCastLabel = box("12").querySelector("[data-vote-action=cast]").getAttribute("aria-label");
  box("12").querySelector("[data-vote-action=cast]").click();
  r.proxyMessage = { ...sent[0] };
  phone.onMessage({ type: "error", code: "already_voted", message: "x", ref: sent[0].ref });
  r.proxyAlert = box("12").querySelector("[role=alert]").textContent;
  r.proxyPending = localStorage.getItem("uvote:pending:7:9:5:12");
  sent.length = 0;
  runTimers();
  r.sentAfterRefusal = sent.length;

  // A reload: the server says both have voted; the receipt comes from storage.
  const again = document.createElement("section");
  document.body.append(again);
  const voted = snapshot();
  voted.my_votes["5"].forEach((e) => { e.voted = true; });
  new PhoneVoting({ root: again, announcer, meetingId: 7, state: voted });
  r.reload = [...again.querySelectorAll(".ballot")].map((b) => ({
    heading: b.querySelector("h3").textContent,
    code: (b.querySelector(".receipt-code") || {}).textContent || null,
    inputs: b.querySelectorAll("input").length,
  }));

  // Multiple choice, at most 2: a third is refused with a message; Abstain stands alone.
  const multi = {
    ...motion, id: 6, kind: "multiple", min_choices: 1, max_choices: 2,
    options: [
      { id: 61, label: "A", role: "option" }, { id: 62, label: "B", role: "option" },
      { id: 63, label: "C", role: "option" }, { id: 64, label: "Abstain", role: "abstain" },
    ],
  };
  const third = document.createElement("section");
  document.body.append(third);
  new PhoneVoting({ root: third, announcer, meetingId: 8, state: {
    viewer: { participant_id: 9 }, polls: [multi],
    my_votes: { "6": [entries()[0]] }, turnout: null } });
  const boxes = (id) => third.querySelector(`input[value='${id}']`);
  third.querySelector("form").requestSubmit();
  r.emptyMessage = third.querySelector(".ballot-message").textContent;
  boxes(61).click(); boxes(62).click(); boxes(63).click();
  r.afterThird = [61, 62, 63, 64].map((id) => boxes(id).checked);
  r.maxMessage = third.querySelector(".ballot-message").textContent;
  r.hint = third.querySelector(".choice-hint").textContent;
  boxes(64).click();
  r.afterAbstain = [61, 62, 63, 64].map((id) => boxes(id).checked);
  boxes(61).click();
  r.afterOptionAgain = [61, 62, 63, 64].map((id) => boxes(id).checked);
  r.types = [...third.querySelectorAll("input")].map((i) => i.type);

  const codes = Array.from({ length: 500 }, () => voting.newBallotNonce());
  r.codesValid = codes.every((c) => /^[A-Z2-7]{16}$/.test(c));
  r.codesUnique = new Set(codes).size;
  r.formatted = voting.formatReceipt("ABCDEFGHIJKLMNOP");
  r.clock = [voting.clock(125000), voting.clock(0), voting.clock(-5), voting.clock(59001)];

  // Countdowns on a device whose clock is a minute behind the server's.
  const realNow = Date.now;
  const at = (ms) => new Date(ms).toISOString();
  Date.now = () => 1000000;
  const deadlines = new voting.Deadlines(1060000);
  deadlines.note({ id: 1, state: "open", opened_at: at(1030000), closes_at: at(1150000) });
  deadlines.note(
    { id: 2, state: "open", opened_at: at(1060000), closes_at: at(1150000) }, { fresh: true });
  r.countdown = [voting.clock(deadlines.remaining(1)), voting.clock(deadlines.remaining(2))];
  Date.now = () => 1089500;
  r.countdown.push(voting.clock(deadlines.remaining(1)));
  Date.now = () => 1095000;
  r.countdown.push(voting.clock(deadlines.remaining(1)));
  deadlines.note({ id: 1, state: "closed", closes_at: null });
  r.countdown.push(deadlines.remaining(1));
  Date.now = realNow;

  const tally = voting.tallyTable(multi, [
    { id: 61, ballots: 2, weight: "3.5000" }, { id: 63, ballots: 1, weight: "1.0000" }]);
  r.tally = [...tally.querySelectorAll("tbody tr")].map(
    (row) => [...row.children].map((cell) => cell.textContent.trim()));
  r.tallyCaption = tally.caption.textContent;
  return r;
}
"""


def test_phone_ballot_retries_with_the_same_code_and_keeps_the_receipt(
    transactional_db: None, chromium_path: str, tmp_path: Path
) -> None:
    with daphne_server(tmp_path) as base, chromium(chromium_path) as browser:
        page = browser.new_page()
        page.goto(f"{base}/login/")
        r: dict[str, Any] = page.evaluate(BALLOT_SCRIPT)

    assert r["legends"] == ["Your vote", "Vote for Lan (proxy)"]
    assert r["turnout"] == "3 of 10 have voted"
    assert r["turnoutAfter"] == "6 of 10 have voted"

    assert r["sentWhileDown"] == 0
    assert r["stepWhileDown"] == "sending"
    pending = r["pending"]
    assert pending["poll_id"] == 5 and pending["choices"] == [51]
    assert pending["on_behalf_of"] is None
    assert re.fullmatch(r"[A-Z2-7]{16}", pending["nonce"])
    assert "receipt_code" not in pending
    # Sent after the reconnect, then again by the retry timer: the same ballot.
    assert len(r["sent"]) == 2
    for message in r["sent"]:
        assert message == {
            "type": "ballot.cast",
            "poll_id": 5,
            "choices": [51],
            "nonce": pending["nonce"],
            "ref": f"ballot:{pending['nonce']}",
        }

    after = r["afterAck"]
    assert after["heading"] == "Your vote was counted"
    code = "SERVERISSUED2345"  # the server's receipt, not the phone's nonce
    assert after["code"] == "-".join(code[i : i + 4] for i in range(0, 16, 4))
    assert after["pending"] is None
    assert after["receipt"]["receipt_code"] == code
    assert after["announced"] == "Your vote was counted"
    assert r["sentAfterAck"] == 0

    assert r["proxyCastLabel"] == "Cast the vote for Lan"
    assert r["proxyMessage"]["on_behalf_of"] == 12
    assert r["proxyMessage"]["choices"] == [52]
    assert r["proxyMessage"]["nonce"] != pending["nonce"]
    assert "already been cast" in r["proxyAlert"]
    assert r["proxyPending"] is None
    assert r["sentAfterRefusal"] == 0

    assert r["reload"] == [
        {"heading": "You voted", "code": after["code"], "inputs": 0},
        {"heading": "You voted for Lan", "code": None, "inputs": 0},
    ]

    assert r["emptyMessage"] == "Choose at least 1."
    assert r["afterThird"] == [True, True, False, False]
    assert r["maxMessage"] == "You can choose at most 2. Remove a choice first."
    assert r["hint"] == "Choose up to 2."
    assert r["afterAbstain"] == [False, False, False, True]
    assert r["afterOptionAgain"] == [True, False, False, False]
    assert set(r["types"]) == {"checkbox"}

    assert r["codesValid"] is True
    assert r["codesUnique"] == 500
    assert r["formatted"] == "ABCD-EFGH-IJKL-MNOP"
    assert r["clock"] == ["02:05", "00:00", "00:00", "01:00"]
    # From the server's time (corrected for the device's clock), or for a poll
    # that opened just now, from its duration.
    assert r["countdown"] == ["01:30", "01:30", "00:01", "00:00", None]
    assert r["tally"] == [
        ["A", "2", "3.5"],
        ["B", "0", "0"],
        ["C", "1", "1"],
        ["Abstain", "0", "0"],
    ]
    assert r["tallyCaption"] == "Running tally (not final)"


def test_chair_cancels_a_draft_and_decides_a_tie(
    transactional_db: None, chromium_path: str, tmp_path: Path
) -> None:
    world = build_world(voters=2, items=1)
    meeting = world.meeting
    services.meeting_start(actor=world.chair, meeting=meeting)
    voting_services.poll_create(actor=world.chair, meeting=meeting, title=QUESTION, kind="motion")
    venue = voting_services.poll_create(
        actor=world.chair,
        meeting=meeting,
        title="Venue",
        kind="single",
        options=["Huế", "Hà Nội"],
        secrecy="named",
        tie_rule="chair",
    )
    venue = voting_services.poll_open(actor=world.chair, poll=venue)
    for voter, label in zip(world.voters, ["Huế", "Hà Nội"], strict=True):
        voting_services.ballot_cast(
            voter=voter,
            poll_id=venue.pk,
            choices=[venue.options.get(label=label).pk],
            nonce=receipt(),
        )
    voting_services.poll_close(actor=world.chair, poll=venue)
    chair_login = world.chair.username
    errors: list[str] = []
    expect.set_options(timeout=TIMEOUT_MS)

    with daphne_server(tmp_path) as base, chromium(chromium_path) as browser:
        chair = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
        watch_errors(chair, errors)
        log_in(chair, base, chair_login)
        chair.goto(f"{base}/meetings/{meeting.pk}/chair/")
        polls = chair.get_by_role("region", name="Polls", exact=True)

        # Cancelling asks for a reason first.
        polls.get_by_role("button", name=f"Cancel poll: {QUESTION}").click()
        reason = polls.get_by_label("Reason for cancelling")
        expect(reason).to_be_focused()
        reason.fill("Withdrawn by the committee")
        polls.get_by_role("button", name=f"Cancel the poll: {QUESTION}").click()
        expect(polls).to_contain_text("Cancelled: Withdrawn by the committee")
        expect(polls.get_by_role("button", name=f"Open: {QUESTION}")).to_have_count(0)

        # A tie left to the chair: decided, then published.
        expect(polls.locator(".result-sentence")).to_contain_text("the chair decides")
        polls.get_by_role("checkbox", name="Huế").check()
        polls.get_by_role("button", name="Record the decision: Venue").click()
        expect(polls.locator(".result-sentence")).to_contain_text(
            "The chair decided: \u2068Huế\u2069."
        )
        polls.get_by_role("button", name="Publish: Venue").click()
        expect(polls.get_by_role("button", name="Publish: Venue")).to_have_count(0)
        # Publishing shows: the note, and a link to the poll on the board.
        expect(polls.locator(".published-note")).to_contain_text("Published on the bulletin board.")
        expect(polls.get_by_role("link", name="See it on the board")).to_have_attribute(
            "href", f"/meetings/{world.meeting.pk}/board/#board-poll-{venue.pk}"
        )
        expect(polls.get_by_role("link", name="Ballots (CSV): Venue")).to_have_attribute(
            "href", f"/api/polls/{venue.pk}/ballots.csv"
        )

    assert errors == []
