// The member page: the live agenda and the current item, phone first, and
// the ballot of the open poll.
import { MeetingSocket } from "./meeting-socket.js";
import {
  applyEvent,
  currentItem,
  readInitialSnapshot,
  renderAgenda,
  renderNow,
  renderStatus,
} from "./meeting-state.js";
import { PhoneVoting } from "./phone-voting.js";
import { MemberDocuments } from "./documents.js";
import { MemberAttendance } from "./attendance.js";
import { MemberSpeakers } from "./speakers.js";
import { _, interpolate } from "./i18n.js";
import { renderTellerLinks } from "./teller-links.js";


const main = document.getElementById("main");
const list = document.getElementById("agenda");
const announcer = document.getElementById("announcer");
const tellerLinks = document.getElementById("teller-links");
let state = readInitialSnapshot();

const voting = new PhoneVoting({
  root: document.getElementById("voting"),
  earlier: document.getElementById("earlier-votes"),
  announcer,
  meetingId: main.dataset.meetingId,
  state,
});

const documents = new MemberDocuments({
  root: document.getElementById("documents"),
  state,
  announcer,
});

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

const speakers = new MemberSpeakers({
  root: document.getElementById("speakers"),
  state,
  announcer,
});

const attendance = new MemberAttendance({
  root: document.getElementById("my-attendance"),
  apiBase: `/api/meetings/${main.dataset.meetingId}/`,
  state,
  announcer,
});

// For a page's own additions (the livestream player): the same socket, no second one.
function shareState() {
  main.dispatchEvent(new CustomEvent("meeting-state", { detail: { state } }));
}

const socket = new MeetingSocket({
  meetingId: main.dataset.meetingId,
  banner: document.getElementById("connection-banner"),
  loginUrl: main.dataset.loginUrl,
  onSnapshot(snapshot) {
    const previous = state;
    state = snapshot;
    render(previous);
    voting.onSnapshot(snapshot);
    documents.onSnapshot(snapshot);
    attendance.onSnapshot(snapshot);
    speakers.onSnapshot(snapshot);
    renderTellerLinks(tellerLinks, main.dataset.meetingId, snapshot.my_teller_polls);
    shareState();
  },
  onEvent(event) {
    const previous = state;
    state = applyEvent(state, event);
    render(previous);
    voting.onEvent(event, state);
    documents.onEvent(event);
    attendance.onEvent(event);
    speakers.onEvent(event, state);
    shareState();
  },
  onMessage(message) {
    if (message.type === "me.changed") {
      // My own presence, weight or proxies changed (checked in at the door,
      // a proxy registered): the snapshot's personal fields, anew.
      state = { ...state, ...message.me };
      voting.onPersonal(message.me);
      attendance.onPersonal(message.me);
      renderTellerLinks(tellerLinks, main.dataset.meetingId, message.me.my_teller_polls);
      shareState();
      return;
    }
    voting.onMessage(message);
  },
});
voting.setSocket(socket);
socket.start();
