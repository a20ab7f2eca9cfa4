// The projector page: read-only, large type; follows the meeting through a
// projector link token instead of a member login.
import { CLOSE_NO_MEETING, CLOSE_NOT_PARTICIPANT, MeetingSocket } from "./meeting-socket.js";
import { applyEvent, nextItem, readInitialSnapshot, renderNow, renderStatus } from "./meeting-state.js";

const _ = (text) => (typeof window.gettext === "function" ? window.gettext(text) : text);

const main = document.getElementById("main");
const indicator = document.getElementById("connection");
const indicatorText = document.getElementById("connection-text");
let state = readInitialSnapshot();

function render() {
  renderStatus(state);
  renderNow(state);
  const next = nextItem(state);
  const section = document.querySelector(".projector-next");
  document.getElementById("next-title").textContent = next ? next.title : "";
  section.hidden = !next;
}

const labels = {
  connecting: _("Connecting…"),
  open: _("Connected"),
  reconnecting: _("Reconnecting…"),
  final: _("Disconnected"),
};

new MeetingSocket({
  meetingId: main.dataset.meetingId,
  projectorToken: main.dataset.projectorToken,
  banner: document.getElementById("connection-banner"),
  finalMessages: {
    [CLOSE_NO_MEETING]: _("This projector link is no longer valid. Ask the chair for a new one."),
    [CLOSE_NOT_PARTICIPANT]: _("This projector link is for another meeting."),
  },
  onSnapshot(snapshot) {
    state = snapshot;
    render();
  },
  onEvent(event) {
    state = applyEvent(state, event);
    render();
  },
  onState(connection) {
    indicator.dataset.state = connection;
    indicatorText.textContent = labels[connection];
  },
}).start();
