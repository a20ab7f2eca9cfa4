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
//   events shows the meeting as it is now, without a reload;
// - a network that lets HTTPS through but not WebSockets: after
//   FALLBACK_AFTER attempts that brought no snapshot, the page follows the
//   meeting over HTTP (meeting-follow.js), with the same sequence and resync
//   rules, and says that live updates are slower. The socket keeps being
//   tried in the background; once one brings its snapshot, HTTP stops.
//
// Pages see one connection, whichever way its frames come. Commands go only
// over the socket: send() says false when it is not open (ballots then go
// over REST, phone-voting.js).

import { _ } from "./i18n.js";
import { HttpFollower } from "./meeting-follow.js";

const BASE_DELAY_MS = 500;
const MAX_DELAY_MS = 15000;
const PING_EVERY_MS = 20000;
const SILENCE_LIMIT_MS = 45000;
const PROBE_TIMEOUT_MS = 5000;
const WS_CONNECTING = 0;
// Socket attempts without a snapshot (refused, cut, or silent past
// SNAPSHOT_TIMEOUT_MS) before the page follows over HTTP: a second or two
// where the network refuses WebSockets, about 25 s where a proxy holds the
// handshake.
const FALLBACK_AFTER = 3;
const SNAPSHOT_TIMEOUT_MS = 8000;

export const CLOSE_NOT_LOGGED_IN = 4401;
export const CLOSE_NOT_PARTICIPANT = 4403;
export const CLOSE_NO_MEETING = 4404;
const FINAL_CODES = new Set([CLOSE_NOT_LOGGED_IN, CLOSE_NOT_PARTICIPANT, CLOSE_NO_MEETING]);

/** The delay before reconnect attempt `attempt` (0, 1, 2...): exponential, capped, jittered. */
export function backoffDelay(attempt, random = Math.random) {
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/** The socket's address. The projector's key travels in its cookie, never in
 * the URL; `?as=projector` only asks to be served as the projector. */
export function socketUrl(meetingId, projector = false) {
  const scheme = window.location.protocol === "https:" ? "wss" : "ws";
  const query = projector ? "?as=projector" : "";
  return `${scheme}://${window.location.host}/ws/meetings/${meetingId}/${query}`;
}

/**
 * Follow one meeting. Callbacks:
 *   onSnapshot(snapshot)  the full state (first message, and after a resync)
 *   onEvent(event)        a sequenced event, in order, never twice
 *   onMessage(message)    anything unsequenced: ack, error, pong
 *   onState(state)        "connecting" | "open" | "fallback" | "reconnecting" | "final"
 *                         ("fallback": following over HTTP, slower)
 * banner: an element with role=status that says what is happening while
 * the socket is down; fallbackText: its sentence while following over HTTP
 * (null: none, for the projector, whose indicator says it).
 */
export class MeetingSocket {
  constructor({
    meetingId,
    projector = false,
    banner = null,
    loginUrl = null,
    finalMessages = {},
    fallbackText = _("Live updates are slower on this network."),
    onSnapshot = () => {},
    onEvent = () => {},
    onMessage = () => {},
    onState = () => {},
  }) {
    this.url = socketUrl(meetingId, projector);
    this.banner = banner;
    this.loginUrl = loginUrl;
    this.finalMessages = finalMessages;
    this.fallbackText = fallbackText;
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
    this.socketFailures = 0; // attempts in a row that brought no snapshot
    this.snapshotTimer = null;
    this.following = false; // following over HTTP (the socket is still tried)
    this.follower = new HttpFollower({
      meetingId,
      projector,
      lastSeq: () => (this.awaitingSnapshot ? null : this.seq),
      onFrame: (frame) => this.handle(frame, "http"),
      onUp: () => {
        if (this.following && !this.socketOpen()) this.setState("fallback");
      },
      onDown: () => {
        if (this.following && !this.socketOpen()) this.setState("reconnecting");
      },
      onFinal: (code) => this.finish(code),
    });
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
    window.clearTimeout(this.snapshotTimer);
    window.clearInterval(this.heartbeat);
    this.follower.stop();
    const ws = this.ws;
    this.ws = null;
    if (ws) ws.close(1000);
  }

  resume() {
    if (this.final) return;
    this.suspended = false;
    this.attempt = 0;
    this.startHeartbeat();
    if (this.following) this.follower.start();
    this.connect();
  }

  socketOpen() {
    return this.ws !== null && this.ws.readyState === WebSocket.OPEN;
  }

  /** Send a client message (resync, ping, agenda.advance...). False if the socket is not open. */
  send(message) {
    if (!this.socketOpen()) return false;
    this.ws.send(JSON.stringify(message));
    return true;
  }

  /** Ask for a fresh snapshot, over whichever way the meeting is followed. */
  resync() {
    this.awaitingSnapshot = true;
    if (!this.send({ type: "resync" }) && this.following) this.follower.poke();
  }

  connect() {
    window.clearTimeout(this.timer);
    this.timer = null;
    if (this.final || this.suspended) return;
    this.probeSince = null;
    window.clearTimeout(this.snapshotTimer);
    if (!this.following) {
      // While following over HTTP, that stream goes on meanwhile.
      this.setState(this.attempt === 0 && this.seq === null ? "connecting" : "reconnecting");
      this.awaitingSnapshot = true;
    }
    let ws;
    try {
      ws = new WebSocket(this.url);
    } catch {
      this.socketFailed();
      return;
    }
    this.ws = ws;
    let snapshotCame = false;
    // A proxy may hold the handshake, or pass it and then nothing.
    this.snapshotTimer = window.setTimeout(() => {
      if (ws !== this.ws || snapshotCame) return;
      this.ws = null;
      ws.close();
      this.socketFailed();
    }, SNAPSHOT_TIMEOUT_MS);
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
      if (message.type === "snapshot" && !snapshotCame) {
        snapshotCame = true;
        this.socketUp();
      }
      this.handle(message, "socket");
    });
    ws.addEventListener("close", (event) => {
      if (ws !== this.ws) return;
      this.ws = null;
      window.clearTimeout(this.snapshotTimer);
      if (FINAL_CODES.has(event.code)) {
        this.finish(event.code);
      } else if (!snapshotCame) {
        this.socketFailed();
      } else {
        this.scheduleReconnect();
      }
    });
  }

  /** The socket brought its snapshot: it carries the meeting from now on. */
  socketUp() {
    window.clearTimeout(this.snapshotTimer);
    this.socketFailures = 0;
    this.attempt = 0;
    if (this.following) {
      this.following = false;
      this.follower.stop();
    }
  }

  /** An attempt that brought no snapshot; after a few, follow over HTTP meanwhile. */
  socketFailed() {
    this.socketFailures += 1;
    if (this.socketFailures >= FALLBACK_AFTER && !this.following && !this.final) {
      this.following = true;
      this.follower.start();
    }
    this.scheduleReconnect();
  }

  handle(message, via = "socket") {
    if (message.type === "snapshot") {
      this.seq = message.seq;
      this.awaitingSnapshot = false;
      if (via === "socket") this.attempt = 0;
      this.setState(via === "socket" ? "open" : "fallback");
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
    if (!this.following) this.setState("reconnecting");
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
    if (this.following) this.follower.poke();
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
    window.clearTimeout(this.snapshotTimer);
    this.following = false;
    this.follower.stop();
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
    else if (state === "fallback") this.showBanner(this.fallbackText, null, "banner-info");
    else if (state === "reconnecting") this.showBanner(_("Reconnecting…"));
    this.onState(state);
  }

  // The live region itself stays in the page (a hidden region is not
  // announced); the visible banner is a child added and removed inside it.
  showBanner(text, link = null, kind = null) {
    if (!this.banner) return;
    this.banner.replaceChildren();
    if (!text) return;
    const box = document.createElement("p");
    box.className = this.final ? "banner banner-final" : kind ? `banner ${kind}` : "banner";
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
