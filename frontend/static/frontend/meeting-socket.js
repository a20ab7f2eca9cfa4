// The meeting socket client shared by the member page, the chair console and
// the projector. Protocol (docs/protocol.md): the server sends a `snapshot`
// first, then events that each carry the meeting's sequence number `seq`.
//
// - events at or below the last seen number are already known: ignored;
// - a gap (seq > last + 1) means something was missed: ask for a resync;
// - a dropped connection is retried with exponential backoff and jitter
//   (capped near 15 s); a fresh connection always starts with a snapshot;
// - close codes 4401 / 4403 / 4404 are final: a message, no retry;
// - waking up (page visible again, restored from the back/forward cache, back
//   online): a socket that is closed, or silent longer than the heartbeat, is
//   replaced at once; an open one is asked for a fresh snapshot, and replaced
//   if no answer comes within PROBE_TIMEOUT_MS. A phone that slept through
//   events shows the meeting as it is now, without a reload.

import { _ } from "./i18n.js";

const BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 15000;
const PING_EVERY_MS = 20000;
const SILENCE_LIMIT_MS = 45000;
const PROBE_TIMEOUT_MS = 5000;
const WS_CONNECTING = 0;

export const CLOSE_NOT_LOGGED_IN = 4401;
export const CLOSE_NOT_PARTICIPANT = 4403;
export const CLOSE_NO_MEETING = 4404;
const FINAL_CODES = new Set([CLOSE_NOT_LOGGED_IN, CLOSE_NOT_PARTICIPANT, CLOSE_NO_MEETING]);

/** The delay before reconnect attempt `attempt` (0, 1, 2...): exponential, capped, jittered. */
export function backoffDelay(attempt, random = Math.random) {
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export function socketUrl(meetingId, projectorToken) {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  const query = projectorToken ? `?projector=${encodeURIComponent(projectorToken)}` : "";
  return `${scheme}://${window.location.host}/ws/meetings/${meetingId}/${query}`;
}

/**
 * Follow one meeting. Callbacks:
 *   onSnapshot(snapshot)  the full state (first message, and after a resync)
 *   onEvent(event)        a sequenced event, in order, never twice
 *   onMessage(message)    anything unsequenced: ack, error, pong
 *   onState(state)        "connecting" | "open" | "reconnecting" | "final"
 * banner: an element with role=status shown while the socket is down.
 */
export class MeetingSocket {
  constructor({
    meetingId,
    projectorToken = null,
    banner = null,
    loginUrl = null,
    finalMessages = {},
    onSnapshot = () => {},
    onEvent = () => {},
    onMessage = () => {},
    onState = () => {},
  }) {
    this.url = socketUrl(meetingId, projectorToken);
    this.banner = banner;
    this.loginUrl = loginUrl;
    this.finalMessages = finalMessages;
    this.onSnapshot = onSnapshot;
    this.onEvent = onEvent;
    this.onMessage = onMessage;
    this.onState = onState;
    this.ws = null;
    this.seq = null; // last sequence number applied; null until a snapshot
    this.awaitingSnapshot = true;
    this.attempt = 0;
    this.timer = null;
    this.final = false;
    this.lastHeard = 0;
    this.probeSince = null; // when a wake-up resync was sent, until anything is heard
    this.probeTimer = null;
    this.heartbeat = null;
    this.state = null;
    this.suspended = false;
  }

  start() {
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible") this.wake();
    });
    window.addEventListener("online", () => this.wake({ networkBack: true }));
    window.addEventListener("offline", () => this.drop());
    // Closing on pagehide lets the browser keep the page in its back/forward
    // cache; pageshow brings the socket back.
    window.addEventListener("pagehide", () => this.suspend());
    window.addEventListener("pageshow", (event) => {
      if (event.persisted || this.suspended) this.resume();
    });
    this.startHeartbeat();
    this.connect();
    return this;
  }

  startHeartbeat() {
    window.clearInterval(this.heartbeat);
    this.heartbeat = window.setInterval(() => this.checkAlive(), PING_EVERY_MS / 2);
  }

  stop() {
    this.final = true;
    this.suspend();
  }

  /** Leaving the page (maybe into the back/forward cache): close, keep the state. */
  suspend() {
    this.suspended = true;
    window.clearTimeout(this.timer);
    this.timer = null;
    window.clearTimeout(this.probeTimer);
    window.clearInterval(this.heartbeat);
    const ws = this.ws;
    this.ws = null;
    if (ws) ws.close(1000);
  }

  resume() {
    if (this.final) return;
    this.suspended = false;
    this.attempt = 0;
    this.startHeartbeat();
    this.connect();
  }

  /** Send a client message (resync, ping, agenda.advance...). False if not connected. */
  send(message) {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(message));
    return true;
  }

  resync() {
    this.awaitingSnapshot = true;
    this.send({ type: "resync" });
  }

  connect() {
    window.clearTimeout(this.timer);
    this.timer = null;
    if (this.final || this.suspended) return;
    this.probeSince = null;
    this.setState(this.attempt === 0 && this.seq === null ? "connecting" : "reconnecting");
    this.awaitingSnapshot = true;
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.addEventListener("open", () => {
      this.lastHeard = Date.now();
    });
    ws.addEventListener("message", (event) => {
      if (ws !== this.ws) return;
      this.lastHeard = Date.now();
      this.probeSince = null;
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      this.handle(message);
    });
    ws.addEventListener("close", (event) => {
      if (ws !== this.ws) return;
      this.ws = null;
      if (FINAL_CODES.has(event.code)) {
        this.finish(event.code);
      } else {
        this.scheduleReconnect();
      }
    });
  }

  handle(message) {
    if (message.type === "snapshot") {
      this.seq = message.seq;
      this.awaitingSnapshot = false;
      this.attempt = 0;
      this.setState("open");
      this.onSnapshot(message);
      return;
    }
    if (typeof message.seq === "number") {
      if (this.awaitingSnapshot || message.seq <= this.seq) return; // the snapshot covers it
      if (message.seq > this.seq + 1) {
        this.resync(); // missed at least one event
        return;
      }
      this.seq = message.seq;
      this.onEvent(message);
      return;
    }
    this.onMessage(message);
  }

  scheduleReconnect() {
    if (this.final || this.suspended || this.timer !== null) return;
    this.setState("reconnecting");
    const delay = backoffDelay(this.attempt);
    this.attempt += 1;
    this.timer = window.setTimeout(() => this.connect(), delay);
  }

  /**
   * Back on the page or back online: do not wait out the backoff, and do not
   * trust a socket that may have slept through events.
   */
  wake({ networkBack = false } = {}) {
    if (this.final || this.suspended) return;
    const ws = this.ws;
    if (ws !== null && ws.readyState === WS_CONNECTING && !networkBack) return; // on its way
    const open = ws !== null && ws.readyState === WebSocket.OPEN;
    if (!open || networkBack || Date.now() - this.lastHeard > PING_EVERY_MS) {
      this.replace();
    } else {
      this.probe();
    }
  }

  /** Ask an open socket for a fresh snapshot; no answer in time: replace it. */
  probe() {
    this.probeSince = Date.now();
    this.resync();
    window.clearTimeout(this.probeTimer);
    this.probeTimer = window.setTimeout(() => this.checkAlive(), PROBE_TIMEOUT_MS);
  }

  /** Give up on the current socket and open a fresh one now (a fresh snapshot). */
  replace() {
    const dead = this.ws;
    this.ws = null;
    if (dead) dead.close();
    this.attempt = 0;
    this.connect();
  }

  /** The network went away: the socket is gone even if no close event came. */
  drop() {
    if (this.final || this.suspended || this.ws === null) return;
    const dead = this.ws;
    this.ws = null;
    dead.close();
    this.scheduleReconnect();
  }

  /** A socket can die without a close event (sleeping phone, lost Wi-Fi). */
  checkAlive() {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return;
    const now = Date.now();
    const silent = now - this.lastHeard;
    if (this.probeSince !== null && now - this.probeSince >= PROBE_TIMEOUT_MS) {
      this.replace(); // asked for a snapshot on waking up, heard nothing
    } else if (silent > SILENCE_LIMIT_MS) {
      const dead = this.ws;
      this.ws = null;
      dead.close();
      this.scheduleReconnect();
    } else if (silent > PING_EVERY_MS) {
      this.send({ type: "ping" });
    }
  }

  finish(code) {
    this.final = true;
    window.clearInterval(this.heartbeat);
    const defaults = {
      [CLOSE_NOT_LOGGED_IN]: _("Your session has ended. Log in again to follow the meeting."),
      [CLOSE_NOT_PARTICIPANT]: _("You are not on this meeting's roster."),
      [CLOSE_NO_MEETING]: _("This meeting no longer exists."),
    };
    const text = this.finalMessages[code] || defaults[code];
    this.showBanner(text, code === CLOSE_NOT_LOGGED_IN && this.loginUrl ? this.loginUrl : null);
    this.setState("final");
  }

  setState(state) {
    if (state === this.state) return;
    this.state = state;
    document.body.dataset.connection = state; // for styles and end-to-end tests
    if (state === "open") this.showBanner(null);
    else if (state === "reconnecting") this.showBanner(_("Reconnecting…"));
    this.onState(state);
  }

  // The live region itself stays in the page (a hidden region is not
  // announced); the visible banner is a child added and removed inside it.
  showBanner(text, link = null) {
    if (!this.banner) return;
    this.banner.replaceChildren();
    if (!text) return;
    const box = document.createElement("p");
    box.className = this.final ? "banner banner-final" : "banner";
    box.append(text);
    if (link) {
      const a = document.createElement("a");
      a.href = link;
      a.textContent = _("Log in");
      box.append(" ", a);
    }
    this.banner.append(box);
  }
}
