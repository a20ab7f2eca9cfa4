// The door page of clerks: check members in by badge (continuous scanning with
// the browser's BarcodeDetector where there is one) or by member number; see
// recent check-ins, check people out and back in. Counts and quorum come from
// the meeting socket (`attendance.changed`).
import { request } from "./api.js";
import { attendanceTable, presenceLabel } from "./attendance.js";
import { MeetingSocket } from "./meeting-socket.js";
import { el, readInitialSnapshot, renderStatus } from "./meeting-state.js";
import { quorumSentence } from "./voting.js";
import { _, interpolate } from "./i18n.js";


const main = document.getElementById("main");
const apiBase = main.dataset.apiBase;
const result = document.getElementById("checkin-result");
const refusal = document.getElementById("checkin-error");
const recent = document.getElementById("recent");
const recentEmpty = document.getElementById("recent-empty");
const counts = document.getElementById("attendance-counts");
const quorum = document.getElementById("quorum-status");
const numberForm = document.getElementById("number-form");
const BADGE_PATH = /\/checkin\/badge\/([^/?#]+)\/?/;
const SAME_BADGE_PAUSE_MS = 4000;

let state = readInitialSnapshot();
let queue = Promise.resolve();
let recentTimer = null;

function api(method, path, body) {
  return request(method, apiBase + path, body, { csrf: main.dataset.csrfToken });
}

function say(answer) {
  refusal.replaceChildren();
  result.replaceChildren(
    el(
      "p",
      { className: "ok", "data-participant-id": String(answer.participant_id) },
      el("span", { className: "checkin-mark", "aria-hidden": "true" }, "✓"),
      el("strong", {}, answer.message),
    ),
  );
}

function refuse(error) {
  result.replaceChildren();
  const text =
    error instanceof TypeError
      ? _("The server could not be reached. Check the connection and try again.")
      : error.message;
  refusal.replaceChildren(
    el(
      "p",
      { className: "refused", "data-code": error.code || "" },
      el("span", { className: "checkin-mark", "aria-hidden": "true" }, "✗"),
      el("strong", {}, text),
    ),
  );
}

/** Run one check-in (or -out) after the ones before it. */
function send(path, body) {
  queue = queue.then(async () => {
    try {
      say(await api("POST", path, body));
      loadRecentSoon(0);
    } catch (error) {
      refuse(error);
    }
  });
  return queue;
}

// --- member numbers ---------------------------------------------------------------

numberForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const input = numberForm.elements.member_number;
  const number = input.value.trim();
  if (!number) return;
  send("check-in/", { member_number: number }).then(() => {
    input.value = "";
    input.focus();
  });
});

// --- badges by camera -----------------------------------------------------------

export function badgeToken(text) {
  const match = BADGE_PATH.exec(String(text || ""));
  return match ? decodeURIComponent(match[1]) : null;
}

class Scanner {
  constructor(root) {
    this.root = root;
    this.video = root.querySelector("#scanner-video");
    this.start = root.querySelector('[data-action="scan-start"]');
    this.stop = root.querySelector('[data-action="scan-stop"]');
    this.stream = null;
    this.detector = null;
    this.last = { token: null, at: 0 };
    this.busy = false;
    this.start.addEventListener("click", () => this.begin());
    this.stop.addEventListener("click", () => this.end());
  }

  static async available() {
    if (!("BarcodeDetector" in window) || !navigator.mediaDevices?.getUserMedia) return false;
    try {
      const formats = await window.BarcodeDetector.getSupportedFormats();
      return formats.includes("qr_code");
    } catch {
      return false;
    }
  }

  async begin() {
    try {
      this.detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      this.stream = await navigator.mediaDevices.getUserMedia({
        video: { facingMode: "environment" },
        audio: false,
      });
    } catch {
      refuse(new Error(_("The camera could not be started. Use the member number instead.")));
      return;
    }
    this.video.srcObject = this.stream;
    this.video.hidden = false;
    await this.video.play();
    this.start.hidden = true;
    this.stop.hidden = false;
    this.stop.focus();
    this.loop();
  }

  end() {
    if (this.stream) for (const track of this.stream.getTracks()) track.stop();
    this.stream = null;
    this.video.hidden = true;
    this.start.hidden = false;
    this.stop.hidden = true;
    this.start.focus();
  }

  loop() {
    if (!this.stream) return;
    window.setTimeout(() => this.scan().finally(() => this.loop()), 200);
  }

  async scan() {
    if (this.busy || this.video.readyState < 2) return;
    this.busy = true;
    try {
      const codes = await this.detector.detect(this.video);
      for (const code of codes) {
        const token = badgeToken(code.rawValue);
        if (!token) continue;
        const now = Date.now();
        if (token === this.last.token && now - this.last.at < SAME_BADGE_PAUSE_MS) continue;
        this.last = { token, at: now };
        await send("check-in/", { badge: token });
      }
    } catch {
      // a frame the detector could not read: try the next one
    } finally {
      this.busy = false;
    }
  }
}

const scannerRoot = document.getElementById("scanner");
Scanner.available().then((ok) => {
  if (!ok) return; // no BarcodeDetector: the section stays hidden
  scannerRoot.hidden = false;
  new Scanner(scannerRoot);
});

// --- recent check-ins ------------------------------------------------------------

function recentItem(entry) {
  const li = el("li", { className: "recent-item", "data-participant-id": String(entry.participant_id) });
  li.append(
    el(
      "span",
      {},
      el("span", { className: "recent-message" }, entry.message),
      " ",
      el("span", { className: "meta" }, `(${presenceLabel(entry.current_presence)})`),
    ),
  );
  const present = entry.current_presence !== "absent";
  const button = el(
    "button",
    { type: "button", className: "button button-small" },
    present ? _("Check out") : _("Check in again"),
  );
  button.setAttribute(
    "aria-label",
    interpolate(present ? _("Check out %(name)s") : _("Check in %(name)s again"), {
      name: entry.name,
    }),
  );
  button.addEventListener("click", () =>
    send(present ? "check-out/" : "check-in/", { participant_id: entry.participant_id }),
  );
  li.append(button);
  return li;
}

async function loadRecent() {
  let entries;
  try {
    entries = await api("GET", "attendance/log/?limit=60");
  } catch {
    return;
  }
  // The newest entry per person.
  const seen = new Set();
  const latest = entries.filter((entry) => {
    if (seen.has(entry.participant_id)) return false;
    seen.add(entry.participant_id);
    return true;
  });
  const focused = document.activeElement && recent.contains(document.activeElement);
  recent.replaceChildren(...latest.slice(0, 25).map(recentItem));
  recentEmpty.hidden = latest.length > 0;
  if (focused) numberForm.elements.member_number.focus();
}

function loadRecentSoon(delay = 500) {
  window.clearTimeout(recentTimer);
  recentTimer = window.setTimeout(loadRecent, delay);
}

// --- live counts ----------------------------------------------------------------

function render() {
  renderStatus(state);
  counts.replaceChildren(attendanceTable(state.attendance));
  quorum.textContent = quorumSentence(state.quorum);
  quorum.dataset.met = state.quorum && state.quorum.met ? "yes" : "no";
}

const socket = new MeetingSocket({
  meetingId: main.dataset.meetingId,
  banner: document.getElementById("connection-banner"),
  loginUrl: main.dataset.loginUrl,
  onSnapshot(snapshot) {
    state = snapshot;
    render();
    loadRecentSoon(0);
  },
  onEvent(event) {
    if (event.type === "meeting.changed") state = { ...state, meeting: event.meeting };
    if (event.type === "quorum.changed") state = { ...state, quorum: event.quorum };
    render();
  },
  onMessage(message) {
    if (message.type !== "attendance.changed") return;
    state = { ...state, attendance: message.attendance, quorum: message.quorum };
    render();
    loadRecentSoon();
  },
});
socket.start();
render();
