// The livestream page's player. The agenda, documents, presence and ballot
// beside it are the member page's (member.js, the same meeting socket).
//
// Provider links (YouTube, Vimeo, Facebook) are iframes rendered by the
// server. A video file plays in <video> by itself. An HLS playlist plays
// natively where the browser can (Safari, iOS, Android); elsewhere hls.js is
// fetched then, and only then, so no other page pays for it.

import { _ } from "./i18n.js";

const HLS_TYPE = "application/vnd.apple.mpegurl";
// A function, not a constant: the catalogue is read when the message is shown.
const notAvailable = () => _("The stream is not available right now. It may not have started yet.");

function readStream() {
  const node = document.getElementById("livestream-data");
  return node ? JSON.parse(node.textContent) : null;
}

/** Load a classic script once; resolves when it has run. */
function loadScript(src) {
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.async = true;
    script.addEventListener("load", () => resolve(), { once: true });
    script.addEventListener("error", () => reject(new Error(`could not load ${src}`)), {
      once: true,
    });
    document.head.append(script);
  });
}

class HlsPlayer {
  constructor({ video, stream, status, error }) {
    this.video = video;
    this.stream = stream;
    this.status = status;
    this.error = error;
    this.hls = null;
    this.video.addEventListener("error", () => {
      if (!this.hls) this.fail(notAvailable());
    });
    this.video.addEventListener("playing", () => this.say(""));
  }

  say(text) {
    if (this.status) this.status.textContent = text;
  }

  /** A readable message in the alert region, with a button to try again. */
  fail(text) {
    this.say("");
    const again = document.createElement("button");
    again.type = "button";
    again.className = "button";
    again.textContent = _("Try again");
    again.addEventListener("click", () => this.start());
    const message = document.createElement("p");
    message.className = "alert";
    message.textContent = text;
    this.error.replaceChildren(message, again);
  }

  start() {
    this.error.replaceChildren();
    if (this.hls) {
      this.hls.destroy();
      this.hls = null;
    }
    if (this.video.canPlayType(HLS_TYPE)) {
      this.video.dataset.player = "native";
      this.video.src = this.stream.src;
      this.video.load();
      return;
    }
    this.video.dataset.player = "hls.js";
    this.loadHlsJs();
  }

  async loadHlsJs() {
    this.say(_("Loading the video player…"));
    try {
      if (!window.Hls) await loadScript(this.stream.hls_script);
    } catch {
      this.fail(_("The video player could not be loaded. Open the stream in a new tab instead."));
      return;
    }
    const Hls = window.Hls;
    if (!Hls || !Hls.isSupported()) {
      this.fail(_("This browser cannot play this stream here. Open it in a new tab instead."));
      return;
    }
    this.say(_("Connecting to the stream…"));
    const hls = new Hls();
    this.hls = hls;
    hls.on(Hls.Events.MANIFEST_PARSED, () => this.say(_("The stream is ready: press play.")));
    hls.on(Hls.Events.ERROR, (event, data) => {
      if (!data.fatal || this.hls !== hls) return;
      hls.destroy();
      this.hls = null;
      this.fail(notAvailable());
    });
    hls.loadSource(this.stream.src);
    hls.attachMedia(this.video);
  }
}

function start() {
  const main = document.getElementById("main");
  const stream = readStream();
  const video = document.getElementById("live-video");
  const error = document.getElementById("player-error");
  const status = document.getElementById("player-status");
  if (stream && stream.kind === "hls" && video) {
    new HlsPlayer({ video, stream, status, error }).start();
  } else if (stream && stream.kind === "mp4" && video) {
    const failed = () => {
      const message = document.createElement("p");
      message.className = "alert";
      message.textContent = _(
        "The video could not be played. Open the stream in a new tab instead.",
      );
      error.replaceChildren(message);
    };
    video.addEventListener("error", failed);
    if (video.error) failed(); // it failed before this module ran
  }

  // The chair may set or change the link during the meeting: offer a reload
  // rather than swap a player someone may be watching.
  const initial = readInitialUrl();
  const changed = document.getElementById("stream-changed");
  document.getElementById("stream-reload").addEventListener("click", () => {
    window.location.reload();
  });
  const announcer = document.getElementById("announcer");
  main.addEventListener("meeting-state", (event) => {
    const meeting = event.detail.state && event.detail.state.meeting;
    if (!meeting || initial === null) return;
    const same = (meeting.livestream_url || "") === initial;
    if (!same && changed.hidden && announcer) {
      announcer.textContent = _("The chair changed the livestream link.");
    }
    changed.hidden = same;
  });
}

function readInitialUrl() {
  const node = document.getElementById("initial-snapshot");
  if (!node) return null;
  const snapshot = JSON.parse(node.textContent);
  return snapshot && snapshot.meeting ? snapshot.meeting.livestream_url || "" : null;
}

start();
