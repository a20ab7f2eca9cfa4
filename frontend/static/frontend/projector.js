// The projector page: read-only, large type; follows the meeting through a
// projector link (its token kept in a cookie) instead of a member login. While a poll is open it
// shows the question, the options, a countdown and the turnout; after the
// close, the result.
import { CLOSE_NO_MEETING, CLOSE_NOT_PARTICIPANT, MeetingSocket } from "./meeting-socket.js";
import {
  applyEvent,
  el,
  nextItem,
  readInitialSnapshot,
  renderNow,
  renderStatus,
} from "./meeting-state.js";
import {
  Deadlines,
  TurnoutBook,
  clock,
  pollToShow,
  quorumSentence,
  resultView,
  tallyTable,
  turnoutBar,
} from "./voting.js";
import { ProjectorDocument } from "./documents.js";
import { ProjectorSpeakers } from "./speakers.js";
import { ProjectorMotion } from "./motions-projector.js";
import { ProjectorRoomCode } from "./attendance.js";
import { _ } from "./i18n.js";


const main = document.getElementById("main");
const indicator = document.getElementById("connection");
const indicatorText = document.getElementById("connection-text");
const pollSection = document.getElementById("projector-poll");
const quorumLine = document.getElementById("quorum-line");
const turnouts = new TurnoutBook();
const deadlines = new Deadlines(Number(main.dataset.serverTime));
let state = readInitialSnapshot();
let shownPollKey = null;
const roomCode = new ProjectorRoomCode({
  root: document.getElementById("room-code"),
  url: main.dataset.roomCodeUrl,
  state,
});
const shownDocument = new ProjectorDocument({
  root: document.getElementById("projector-document"),
  state,
});

const speakers = new ProjectorSpeakers({
  root: document.getElementById("projector-speakers"),
  state,
});

const shownMotion = new ProjectorMotion({
  root: document.getElementById("projector-motion"),
  state,
});

function noteSnapshot(snapshot) {
  if (snapshot.turnout) turnouts.merge(snapshot.turnout);
  for (const poll of snapshot.polls || []) deadlines.note(poll);
}

function render() {
  renderStatus(state);
  renderNow(state);
  const next = nextItem(state);
  const section = document.querySelector(".projector-next");
  document.getElementById("next-title").textContent = next ? next.title : "";
  section.hidden = !next;
  quorumLine.textContent = quorumSentence(state.quorum);
  renderPoll();
}

function renderPoll() {
  const poll = pollToShow(state.polls || []);
  main.classList.toggle("has-poll", Boolean(poll));
  if (!poll) {
    pollSection.hidden = true;
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
    published: _("Result published"),
  }[poll.state];
  pollSection.hidden = false;
  pollSection.className = `projector-poll is-${poll.state}`;
  pollSection.replaceChildren(
    el("p", { className: "eyebrow" }, eyebrow || ""),
    el("h2", { id: "projector-poll-title", className: "projector-question" }, poll.title),
  );
  if (poll.description && open) {
    pollSection.append(el("p", { className: "projector-poll-description" }, poll.description));
  }
  if (open) {
    pollSection.append(
      el(
        "ol",
        { className: "projector-options" },
        ...poll.options.map((option) => el("li", {}, option.label)),
      ),
    );
    if (poll.closes_at) {
      const timer = el("p", { className: "countdown", id: "countdown", role: "timer" });
      timer.append(
        el("span", { className: "countdown-label" }, _("Time left")),
        " ",
        el("strong", { id: "countdown-value" }, ""),
      );
      pollSection.append(timer);
    }
  }
  pollSection.append(el("div", { id: "projector-turnout" }), el("div", { id: "projector-tally" }));
  const result = resultView(poll, { headingLevel: 3 });
  if (result) pollSection.append(result);
  if (poll.head_fingerprint) {
    // The signed record of the closed poll: members compare it on the board.
    const line = el("p", { className: "head-fingerprint" }, _("Record fingerprint"), ": ");
    line.append(el("code", { id: "head-fingerprint" }, poll.head_fingerprint));
    pollSection.append(line);
  }
  renderTurnout();
  tick();
}

function renderTurnout() {
  const poll = pollToShow(state.polls || []);
  const box = document.getElementById("projector-turnout");
  if (!poll || !box) return;
  const turnout = turnouts.get(poll.id);
  box.replaceChildren(...(turnout ? [turnoutBar(turnout)] : []));
  const tally = document.getElementById("projector-tally");
  const running = poll.state === "open" && turnout && Array.isArray(turnout.tally);
  tally.replaceChildren(...(running ? [tallyTable(poll, turnout.tally)] : []));
}

function tick() {
  const value = document.getElementById("countdown-value");
  const poll = pollToShow(state.polls || []);
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
    render();
    shownDocument.onSnapshot(snapshot);
    shownMotion.onSnapshot(snapshot);
    roomCode.onSnapshot(snapshot);
    speakers.onSnapshot(snapshot);
  },
  onEvent(event) {
    state = applyEvent(state, event);
    if (event.type === "poll.changed") {
      deadlines.note(event.poll, { fresh: true });
      // Turnout updates come with ballots; the snapshot has the opening numbers.
      if (event.poll.state === "open" && !turnouts.get(event.poll.id)) socket.resync();
    }
    render();
    shownDocument.onEvent(event);
    shownMotion.onEvent(event);
    roomCode.onEvent(event);
    speakers.onEvent(event, state);
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
