// The member page: the live agenda and the current item, phone first.
import { MeetingSocket } from "./meeting-socket.js";
import {
  applyEvent,
  currentItem,
  readInitialSnapshot,
  renderAgenda,
  renderNow,
  renderStatus,
} from "./meeting-state.js";

const _ = (text) => (typeof window.gettext === "function" ? window.gettext(text) : text);
const interpolate = (format, values) =>
  typeof window.interpolate === "function"
    ? window.interpolate(format, values, true)
    : format.replace(/%\((\w+)\)s/g, (match, key) => values[key]);

const main = document.getElementById("main");
const list = document.getElementById("agenda");
const announcer = document.getElementById("announcer");
let state = readInitialSnapshot();

function render(previous) {
  renderStatus(state);
  renderNow(state);
  renderAgenda(list, state);
  const before = previous ? previous.current_item_id : null;
  const now = currentItem(state);
  if (now && now.id !== before) {
    announcer.textContent = interpolate(_("Now: %(title)s"), { title: now.title });
  }
}

new MeetingSocket({
  meetingId: main.dataset.meetingId,
  banner: document.getElementById("connection-banner"),
  loginUrl: main.dataset.loginUrl,
  onSnapshot(snapshot) {
    const previous = state;
    state = snapshot;
    render(previous);
  },
  onEvent(event) {
    const previous = state;
    state = applyEvent(state, event);
    render(previous);
  },
}).start();
