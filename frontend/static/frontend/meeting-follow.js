// Following the meeting over HTTP, for networks that let plain HTTPS through
// but not WebSockets (docs/protocol.md, "Following over HTTP"). A long-poll:
// each request asks for the frames after the last sequence number the page
// holds (or a snapshot), and the server answers as soon as there are any, or
// empty after about 20 s. Only meeting-socket.js uses this; pages see one
// connection whichever way the frames come.

const CLIENT_TIMEOUT_MS = 35000; // the server answers within 20 s
const RETRY_BASE_MS = 1000;
const RETRY_MAX_MS = 15000;

// Refusals that end following for good, as the socket's close codes do. Only
// the server's own JSON counts: a captive portal's 403 page does not.
const FINAL = { not_logged_in: 4401, forbidden: 4403, not_found: 4404 };

export function followUrl(meetingId) {
  return `/live/meetings/${meetingId}/follow/`;
}

/**
 * Callbacks:
 *   lastSeq()       the sequence number the page holds, or null for a snapshot
 *   onFrame(frame)  each frame of an answer, in order
 *   onUp()          an answer arrived
 *   onDown()        a request failed; it is retried with backoff
 *   onFinal(code)   refused for good (4401, 4403 or 4404, as a socket close)
 */
export class HttpFollower {
  constructor({ meetingId, projector = false, lastSeq, onFrame, onUp, onDown, onFinal }) {
    this.url = followUrl(meetingId);
    this.headers = { Accept: "application/json" };
    // The projector's key is its cookie (never in a URL: logs, proxies);
    // `as=projector` only says which of this browser's keys to use.
    this.projector = projector;
    this.lastSeq = lastSeq;
    this.onFrame = onFrame;
    this.onUp = onUp;
    this.onDown = onDown;
    this.onFinal = onFinal;
    this.running = false;
    this.generation = 0; // each start or poke begins a new loop; older ones end
    this.controller = null;
    this.cursor = null;
    this.failures = 0;
  }

  start() {
    if (this.running) return;
    this.running = true;
    this.run();
  }

  stop() {
    this.running = false;
    this.generation += 1;
    if (this.controller) this.controller.abort();
  }

  /** Ask again now: after waking up, a request in flight may have slept through events. */
  poke() {
    if (!this.running) return;
    this.stop();
    this.failures = 0;
    this.start();
  }

  current(generation) {
    return this.running && generation === this.generation;
  }

  async run() {
    const generation = this.generation;
    while (this.current(generation)) {
      let ok = false;
      try {
        ok = await this.request(generation);
      } catch {
        ok = false;
      }
      if (!this.current(generation)) return;
      if (!ok) {
        this.failures += 1;
        this.onDown();
        const ceiling = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (this.failures - 1));
        await new Promise((resolve) => {
          window.setTimeout(resolve, ceiling / 2 + Math.random() * (ceiling / 2));
        });
      }
    }
  }

  /** One long-poll. True when it was answered (frames handed on), false to retry. */
  async request(generation) {
    const seq = this.lastSeq();
    const query = new URLSearchParams();
    if (this.projector) query.set("as", "projector");
    if (seq !== null) {
      query.set("after", String(seq));
      if (this.cursor !== null) query.set("cursor", String(this.cursor));
    }
    const controller = new AbortController();
    this.controller = controller;
    const timer = window.setTimeout(() => controller.abort(), CLIENT_TIMEOUT_MS);
    try {
      const search = query.toString();
      const response = await fetch(search ? `${this.url}?${search}` : this.url, {
        credentials: "same-origin",
        cache: "no-store",
        headers: this.headers,
        signal: controller.signal,
      });
      const body = await response.json();
      if (!this.current(generation)) return true;
      if (!response.ok) {
        const code = body && FINAL[body.code];
        if (code) {
          this.running = false;
          this.onFinal(code);
          return true;
        }
        return false;
      }
      if (!body || !Array.isArray(body.frames)) return false;
      this.failures = 0;
      this.cursor = body.cursor ?? null;
      this.onUp();
      for (const frame of body.frames) {
        if (!this.current(generation)) break;
        this.onFrame(frame);
      }
      return true;
    } finally {
      window.clearTimeout(timer);
      if (this.controller === controller) this.controller = null;
    }
  }
}
