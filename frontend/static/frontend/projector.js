// The projector page: a read-only 16:9 stage (stage.css) that follows the
// meeting through a projector link (its token kept in a cookie) instead of
// a member login. The chair
// picks its scene from the console; "follow" lets the meeting choose
// (stage.js pickScene): an open poll with its turnout, a result until the
// chair moves on, a presented document, the current item.
import { CLOSE_NO_MEETING, CLOSE_NOT_PARTICIPANT, MeetingSocket } from "./meeting-socket.js";
import { applyEvent, el, nextItem, readInitialSnapshot, renderNow } from "./meeting-state.js";
import {
  Deadlines,
  TurnoutBook,
  clock,
  optionLabel,
  quorumSentence,
  resultView,
  tallyTable,
  turnoutBar,
} from "./voting.js";
import { ProjectorDocument } from "./documents.js";
import { ProjectorSpeakers } from "./speakers.js";
import { ProjectorMotion } from "./motions-projector.js";
import { ProjectorRoomCode } from "./attendance.js";
import { pickScene } from "./stage.js";
import { _ } from "./i18n.js";

const main = document.getElementById("main");
const stage = document.getElementById("stage");
const indicator = document.getElementById("connection");
const indicatorText = document.getElementById("connection-text");
const pollSection = document.getElementById("projector-poll");
const quorumLine = document.getElementById("quorum-line");
const turnouts = new TurnoutBook();
const deadlines = new Deadlines(Number(main.dataset.serverTime));
let state = readInitialSnapshot();
let shownPollKey = null;
let shownPoll = null;
const roomCode = new ProjectorRoomCode({
  root: document.getElementById("room-code"),
  url: main.dataset.roomCodeUrl,
  state,
});
const shownDocument = new ProjectorDocument({
  root: document.getElementById("projector-document"),
  state,
});
const shownMotion = new ProjectorMotion({
  root: document.getElementById("projector-motion"),
  state,
});

const speakers = new ProjectorSpeakers({
  root: document.getElementById("projector-speakers"),
  state,
});

// Each scene's section; "blank" shows none, and a poll and its result share one.
const SECTIONS = {
  welcome: "scene-welcome",
  agenda: "scene-agenda",
  item: "scene-item",
  document: "projector-document",
  poll: "projector-poll",
  result: "projector-poll",
  speakers: "projector-speakers",
  break: "scene-break",
};

function noteSnapshot(snapshot) {
  if (snapshot.turnout) turnouts.merge(snapshot.turnout);
  for (const poll of snapshot.polls || []) deadlines.note(poll);
}

function render() {
  document.querySelector("#meeting-title bdi").textContent = state.meeting.title;
  renderNow(state);
  const next = nextItem(state);
  document.getElementById("next-title").textContent = next ? next.title : "";
  document.querySelector(".projector-next").hidden = !next;
  quorumLine.textContent = quorumSentence(state.quorum);
  renderAgenda();
  const { scene, poll } = pickScene(state);
  stage.dataset.scene = scene;
  const shown = SECTIONS[scene];
  for (const id of new Set(Object.values(SECTIONS))) {
    const section = document.getElementById(id);
    // The document section hides itself while nothing is presented.
    if (id === "projector-document") {
      section.hidden = shown !== id || !state.presentation;
    } else if (id === "projector-speakers") {
      section.hidden = shown !== id; // "No one is speaking." when chosen with nobody on
    } else {
      section.hidden = shown !== id;
    }
  }
  renderPoll(shown === "projector-poll" ? poll : null);
}

function renderAgenda() {
  const list = document.getElementById("stage-agenda");
  const items = state.agenda || [];
  list.style.setProperty("--rows", String(Math.max(items.length, 6)));
  list.replaceChildren(
    ...items.map((item) => {
      const current = item.id === state.current_item_id;
      const li = el(
        "li",
        { className: current ? "is-current" : item.state === "done" ? "is-done" : "" },
        el("bdi", {}, item.title),
      );
      if (current) {
        li.setAttribute("aria-current", "step");
        li.append(el("span", { className: "badge" }, _("Now")));
      }
      return li;
    }),
  );
}

function renderPoll(poll) {
  shownPoll = poll;
  if (!poll) {
    pollSection.replaceChildren();
    shownPollKey = null;
    return;
  }
  const key = JSON.stringify(poll);
  if (key === shownPollKey) {
    renderTurnout(); // the poll is drawn already; its numbers may be new
    return;
  }
  shownPollKey = key;
  const open = poll.state === "open";
  const eyebrow = {
    open: _("Voting is open"),
    closed: _("Voting closed"),
    decrypting: _("Voting closed"),
    published: _("Result published"),
  }[poll.state];
  const rows = open ? poll.options.length : ((poll.result && poll.result.options) || []).length;
  pollSection.className = `scene scene-poll projector-poll is-${poll.state}`;
  pollSection.style.setProperty("--rows", String(Math.max(rows, 3)));
  pollSection.replaceChildren(
    el("p", { className: "eyebrow" }, eyebrow || ""),
    el("h2", { id: "projector-poll-title", className: "projector-question", dir: "auto" }, poll.title),
  );
  if (open) {
    if (poll.description) {
      pollSection.append(
        el("p", { className: "projector-poll-description", dir: "auto" }, poll.description),
      );
    }
    const options = el(
      "ol",
      { className: "projector-options" },
      ...poll.options.map((option) => el("li", {}, el("bdi", {}, optionLabel(option)))),
    );
    const side = el("div", { className: "poll-side" });
    if (poll.closes_at) {
      const timer = el("p", { className: "countdown", id: "countdown", role: "timer" });
      timer.append(
        el("span", { className: "countdown-label" }, _("Time left")),
        " ",
        el("strong", { id: "countdown-value" }, ""),
      );
      side.append(timer);
    }
    side.append(el("div", { id: "projector-turnout" }));
    pollSection.append(
      el("div", { className: "poll-columns" }, options, side),
      el("div", { id: "projector-tally" }),
    );
  } else {
    pollSection.append(el("div", { id: "projector-turnout", hidden: true }));
    pollSection.append(el("div", { id: "projector-tally" }));
    const result = resultView(poll, { headingLevel: 3 });
    if (result) pollSection.append(result);
    if (poll.head_fingerprint) {
      // The signed record of the closed poll: members compare it on the board.
      const line = el("p", { className: "head-fingerprint" }, _("Record fingerprint"), ": ");
      line.append(el("code", { id: "head-fingerprint", dir: "ltr" }, poll.head_fingerprint));
      pollSection.append(line);
    }
  }
  renderTurnout();
  tick();
}

function renderTurnout() {
  const poll = shownPoll;
  const box = document.getElementById("projector-turnout");
  if (!poll || !box || poll.state !== "open") return;
  const turnout = turnouts.get(poll.id);
  box.replaceChildren(...(turnout ? [turnoutBar(turnout)] : []));
  const tally = document.getElementById("projector-tally");
  const running = turnout && Array.isArray(turnout.tally);
  tally.replaceChildren(...(running ? [tallyTable(poll, turnout.tally)] : []));
}

function tick() {
  const value = document.getElementById("countdown-value");
  const poll = shownPoll;
  if (!value || !poll) return;
  const left = deadlines.remaining(poll.id);
  if (left === null) return;
  const text = left > 0 ? clock(left) : _("Time is up");
  if (value.textContent !== text) value.textContent = text;
}

const labels = {
  connecting: _("Connecting…"),
  open: _("Connected"),
  fallback: _("Connected, slower updates"),
  reconnecting: _("Reconnecting…"),
  final: _("Disconnected"),
};

noteSnapshot(state);
render();
// The installation's signing key, small in the footer (docs/audit-format.md).
fetch("/api/audit/key/", { headers: { Accept: "application/json" } })
  .then((response) => (response.ok ? response.json() : null))
  .then((key) => {
    if (key) document.getElementById("audit-key-fingerprint").textContent = key.fingerprint;
  })
  .catch(() => {});
window.setInterval(tick, 1000);

const socket = new MeetingSocket({
  meetingId: main.dataset.meetingId,
  projector: true,
  banner: document.getElementById("connection-banner"),
  fallbackText: null, // the indicator says it; the room needs no banner
  finalMessages: {
    [CLOSE_NO_MEETING]: _("This projector link is no longer valid. Ask the chair for a new one."),
    [CLOSE_NOT_PARTICIPANT]: _("This projector link is for another meeting."),
  },
  onSnapshot(snapshot) {
    state = snapshot;
    noteSnapshot(snapshot);
    shownDocument.onSnapshot(snapshot);
    shownMotion.onSnapshot(snapshot);
    roomCode.onSnapshot(snapshot);
    speakers.onSnapshot(snapshot);
    render();
  },
  onEvent(event) {
    state = applyEvent(state, event);
    if (event.type === "document.presented") state = { ...state, presentation: event.presentation };
    if (event.type === "poll.changed") {
      deadlines.note(event.poll, { fresh: true });
      // Turnout updates come with ballots; the snapshot has the opening numbers.
      if (event.poll.state === "open" && !turnouts.get(event.poll.id)) socket.resync();
    }
    shownDocument.onEvent(event);
    shownMotion.onEvent(event);
    roomCode.onEvent(event);
    speakers.onEvent(event, state);
    render();
  },
  onMessage(message) {
    if (message.type === "poll.turnout" && turnouts.merge(message)) renderTurnout();
    roomCode.onMessage(message);
    if (message.type === "attendance.changed") {
      state = { ...state, quorum: message.quorum, attendance: message.attendance };
      quorumLine.textContent = quorumSentence(state.quorum);
    }
  },
  onState(connection) {
    indicator.dataset.state = connection;
    indicatorText.textContent = labels[connection];
  },
});
socket.start();
