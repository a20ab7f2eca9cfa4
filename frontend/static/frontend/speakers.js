// The speakers' list on the member page (and livestream), the chair console
// and the projector.
//
// The page's own script owns the meeting socket and hands each part the
// snapshot and every event; this module reads `speakers` from them and acts
// on `speakers.changed` (one item's whole list) and
// `speakers.settings_changed`. Requests go to the REST API, which calls the
// same services as the socket commands. The speaking time arrives as times
// (started, running since, time spoken before); each screen counts down by
// itself, corrected by the server time the page was rendered with.

import { request } from "./api.js";
import { el } from "./meeting-state.js";
import { _, formatClock, formatNumber, formatTime, interpolate } from "./i18n.js";

const WARN_MS = 30_000;

export function kindLabel(kind) {
  const labels = {
    speak: _("To speak"),
    point_of_order: _("Point of order"),
    question: _("Question"),
    reply: _("Reply"),
  };
  return labels[kind] || kind;
}

/** The current item's list, or null. */
export function currentList(state) {
  const id = state.current_item_id;
  if (id === null || id === undefined) return null;
  return (state.speakers && state.speakers.lists[String(id)]) || emptyList(id);
}

function emptyList(id) {
  return { agenda_item_id: id, closed: false, current: null, waiting: [], done: [] };
}

/** Milliseconds left for the current speech (null: no limit), on this device's clock. */
export function remainingMs(speech, offsetMs) {
  if (!speech || !speech.time_limit) return null;
  let spoken = speech.elapsed_ms;
  if (speech.running_since) spoken += Date.now() + offsetMs - Date.parse(speech.running_since);
  return speech.time_limit * 1000 - spoken;
}

function offsetFrom(root) {
  const server = Number(root.dataset.serverTime);
  return Number.isFinite(server) && server > 0 ? server - Date.now() : 0;
}

function csrfFrom(root) {
  const main = document.getElementById("main");
  return (main && main.dataset.csrfToken) || root.dataset.csrfToken || "";
}

function speakerLine(speech) {
  const kind = speech.kind === "speak" ? "" : ` (${kindLabel(speech.kind)})`;
  return `${speech.name}${kind}`;
}

/** Ticks once a second while something counts down; stops when nothing does. */
class Ticker {
  constructor(tick) {
    this.tick = tick;
    this.timer = null;
  }

  set(running) {
    if (running && !this.timer) this.timer = setInterval(this.tick, 1000);
    if (!running && this.timer) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }
}

// --- the member's phone and the livestream page ----------------------------------

export class MemberSpeakers {
  constructor({ root, state, announcer }) {
    this.root = root;
    this.state = state;
    this.announcer = announcer;
    this.apiBase = `/api/meetings/${root.dataset.meetingId}/speakers/`;
    this.status = root.querySelector("#speakers-my-place");
    this.now = root.querySelector("#speakers-now");
    this.form = root.querySelector("#speakers-ask");
    this.withdraw = root.querySelector("#speakers-withdraw");
    this.message = root.querySelector("#speakers-message");
    this.count = root.querySelector("#speakers-count");
    this.lastPlace = undefined;
    if (this.form) {
      this.form.addEventListener("submit", (event) => {
        event.preventDefault();
        const kind = new FormData(this.form).get("kind") || "speak";
        this.send("POST", "requests/", { kind }, _("You are on the speakers' list."));
      });
    }
    this.withdraw.addEventListener("click", () => {
      const mine = this.mine();
      if (mine) this.send("DELETE", `requests/${mine.id}/`, undefined, _("Request withdrawn."));
    });
    this.render();
  }

  async send(method, path, body, done) {
    this.message.textContent = "";
    try {
      await request(method, this.apiBase + path, body, { csrf: csrfFrom(this.root) });
      this.message.textContent = done;
    } catch (error) {
      this.message.textContent =
        error instanceof TypeError
          ? _("The server could not be reached. Check the connection and try again.")
          : error.message;
    }
  }

  participantId() {
    return this.state.viewer ? this.state.viewer.participant_id : null;
  }

  mine() {
    const list = currentList(this.state);
    if (!list) return null;
    return list.waiting.find((s) => s.participant_id === this.participantId()) || null;
  }

  onSnapshot(snapshot) {
    this.state = snapshot;
    this.render();
  }

  onEvent(event, state) {
    this.state = state;
    this.render();
  }

  render() {
    const list = currentList(this.state);
    this.root.hidden = !list || this.state.meeting.status !== "live";
    if (!list) return;
    const me = this.participantId();
    const place = list.waiting.findIndex((s) => s.participant_id === me);
    const speaking = list.current && list.current.participant_id === me;
    let text;
    if (speaking) text = _("You have the floor.");
    else if (place >= 0)
      text = interpolate(_("You are number %(place)s in the queue."), {
        place: formatNumber(place + 1),
      });
    else if (list.closed) text = _("The speakers' list is closed.");
    else text = _("You are not on the speakers' list.");
    this.status.textContent = text;
    this.now.textContent = list.current
      ? interpolate(_("Speaking: %(name)s"), { name: speakerLine(list.current) })
      : _("No one is speaking.");
    this.count.textContent = interpolate(_("Waiting: %(count)s"), {
      count: formatNumber(list.waiting.length),
    });
    if (this.form) this.form.hidden = place >= 0 || speaking;
    this.withdraw.hidden = place < 0;
    const key = speaking ? "speaking" : place;
    if (this.lastPlace !== undefined && key !== this.lastPlace && this.announcer) {
      this.announcer.textContent = text;
    }
    this.lastPlace = key;
  }
}

// --- the projector ----------------------------------------------------------------

export class ProjectorSpeakers {
  constructor({ root, state }) {
    this.root = root;
    this.state = state;
    this.offset = offsetFrom(root);
    this.name = root.querySelector("#projector-speaker-name");
    this.kind = root.querySelector("#projector-speaker-kind");
    this.countdown = root.querySelector("#projector-speaker-countdown");
    this.alert = root.querySelector("#projector-speaker-alert");
    this.next = root.querySelector("#projector-speakers-next");
    this.nextBox = root.querySelector("#projector-speakers-next-box");
    this.announced = null;
    this.ticker = new Ticker(() => this.renderTime());
    this.render();
  }

  onSnapshot(snapshot) {
    this.state = snapshot;
    this.render();
  }

  onEvent(event, state) {
    this.state = state;
    this.render();
  }

  render() {
    const list = currentList(this.state);
    const current = list ? list.current : null;
    const upcoming = list ? list.waiting.slice(0, 3) : [];
    this.root.hidden = !current && !upcoming.length;
    document.getElementById("main")?.classList.toggle("has-speakers", !this.root.hidden);
    this.name.textContent = current ? current.name : _("No one is speaking.");
    this.kind.textContent = current && current.kind !== "speak" ? kindLabel(current.kind) : "";
    this.kind.hidden = !this.kind.textContent;
    this.next.replaceChildren(...upcoming.map((s) => el("li", {}, speakerLine(s))));
    this.nextBox.hidden = !upcoming.length;
    this.current = current;
    this.ticker.set(Boolean(current && current.running_since));
    this.renderTime();
  }

  renderTime() {
    const left = remainingMs(this.current, this.offset);
    this.countdown.hidden = left === null;
    if (left === null) {
      this.root.dataset.time = "";
      return;
    }
    this.countdown.textContent = left > 0 ? formatClock(left) : _("Time is up");
    const phase = left <= 0 ? "over" : left <= WARN_MS ? "low" : "ok";
    this.root.dataset.time = phase;
    // Announced once per speech and phase, through the projector's live region.
    const key = `${this.current.id}:${phase}`;
    if (phase !== "ok" && key !== this.announced) {
      this.alert.textContent =
        phase === "over"
          ? interpolate(_("Time is up for %(name)s."), { name: this.current.name })
          : interpolate(_("%(name)s: 30 seconds left."), { name: this.current.name });
    }
    if (phase === "ok") this.alert.textContent = "";
    this.announced = key;
  }
}

// --- the chair console ------------------------------------------------------------

export class ChairSpeakers {
  constructor({ root, state, onError }) {
    this.root = root;
    this.state = state;
    this.onError = onError;
    this.offset = offsetFrom(root);
    this.apiBase = `/api/meetings/${root.dataset.meetingId}/`;
    this.title = root.querySelector("#speakers-item-title");
    this.current = root.querySelector("#speakers-current");
    this.countdown = root.querySelector("#speakers-countdown");
    this.queue = root.querySelector("#speakers-queue");
    this.empty = root.querySelector("#speakers-empty");
    this.history = root.querySelector("#speakers-history");
    this.closeButton = root.querySelector("#speakers-close");
    this.closedNote = root.querySelector("#speakers-closed-note");
    this.addForm = root.querySelector("#speakers-add");
    this.who = root.querySelector("#speakers-add-who");
    this.settingsForm = root.querySelector("#speakers-settings");
    this.ticker = new Ticker(() => this.renderTime());
    this.busy = Promise.resolve();
    this.bind();
    this.loadParticipants();
    this.render();
  }

  api(method, path, body) {
    this.busy = this.busy.then(async () => {
      this.onError(null);
      try {
        await request(method, this.apiBase + path, body, { csrf: csrfFrom(this.root) });
      } catch (error) {
        this.onError(
          error instanceof TypeError
            ? _("The server could not be reached. Check the connection and try again.")
            : error.message,
        );
      }
    });
    return this.busy;
  }

  itemId() {
    return this.state.current_item_id;
  }

  bind() {
    this.root.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-speakers]");
      if (!button) return;
      const action = button.dataset.speakers;
      const id = Number(button.dataset.id);
      const item = this.itemId();
      if (action === "call") this.api("POST", "speakers/call/", { agenda_item_id: item });
      if (action === "call-one")
        this.api("POST", "speakers/call/", { agenda_item_id: item, speech_id: id });
      if (["start", "pause", "stop"].includes(action))
        this.api("POST", "speakers/timer/", { action, agenda_item_id: item });
      if (action === "remove") this.api("DELETE", `speakers/requests/${id}/`);
      if (action === "up" || action === "down") this.move(id, action === "up" ? -1 : 1);
      if (action === "close") {
        const list = currentList(this.state);
        this.api("POST", "speakers/close/", { agenda_item_id: item, closed: !list.closed });
      }
    });
    this.addForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const data = new FormData(this.addForm);
      this.api("POST", "speakers/requests/", {
        participant_id: Number(data.get("participant_id")),
        kind: data.get("kind"),
        agenda_item_id: this.itemId(),
      });
    });
    this.settingsForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const data = new FormData(this.settingsForm);
      this.api("PATCH", "speakers/settings/", {
        speaking_time: Math.round(Number(data.get("minutes")) * 60),
        max_speeches: Number(data.get("max_speeches")),
        first_time_first: data.get("first_time_first") === "on",
      });
    });
  }

  async loadParticipants() {
    try {
      const people = await request("GET", `${this.apiBase}participants/`);
      const allowed = people.filter((p) => p.role !== "observer");
      this.who.replaceChildren(
        ...allowed.map((p) => el("option", { value: String(p.id) }, p.full_name)),
      );
    } catch (error) {
      this.onError(error.message);
    }
  }

  move(id, step) {
    const ids = currentList(this.state).waiting.map((s) => s.id);
    const from = ids.indexOf(id);
    const to = from + step;
    if (from < 0 || to < 0 || to >= ids.length) return;
    [ids[from], ids[to]] = [ids[to], ids[from]];
    this.api("POST", "speakers/reorder/", { speech_ids: ids, agenda_item_id: this.itemId() });
  }

  onSnapshot(snapshot) {
    this.state = snapshot;
    this.render();
  }

  onEvent(event, state) {
    this.state = state;
    if (event.type === "roster.changed") this.loadParticipants();
    this.render();
  }

  button(label, action, id, extra = "") {
    const props = { type: "button", className: `button button-small ${extra}`.trim() };
    props["data-speakers"] = action;
    if (id !== undefined) props["data-id"] = String(id);
    return el("button", props, label);
  }

  render() {
    const list = currentList(this.state);
    this.root.hidden = !list;
    if (!list) return;
    const item = this.state.agenda.find((i) => i.id === list.agenda_item_id);
    this.title.textContent = item ? item.title : "";
    const settings = this.state.speakers.settings;
    const form = this.settingsForm;
    if (!form.contains(document.activeElement)) {
      form.elements.minutes.value = String(settings.speaking_time / 60);
      form.elements.max_speeches.value = String(settings.max_speeches);
      form.elements.first_time_first.checked = settings.first_time_first;
    }
    const current = list.current;
    this.current.replaceChildren(
      current
        ? el("span", {}, speakerLine(current))
        : el("span", { className: "meta" }, _("No one is speaking.")),
    );
    this.currentSpeech = current;
    this.root.querySelector("[data-speakers=start]").disabled = !current || !!current.running_since;
    this.root.querySelector("[data-speakers=pause]").disabled = !current || !current.running_since;
    this.root.querySelector("[data-speakers=stop]").disabled = !current;
    this.root.querySelector("[data-speakers=call]").disabled = !list.waiting.length && !current;
    this.queue.replaceChildren(
      ...list.waiting.map((s, index) =>
        el(
          "li",
          { className: "speaker-row" },
          el("span", { className: "speaker-name" }, speakerLine(s)),
          s.number > 1
            ? el(
                "span",
                { className: "meta" },
                interpolate(_("speech %(number)s"), { number: formatNumber(s.number) }),
              )
            : null,
          el(
            "span",
            { className: "button-row" },
            this.labelled(this.button(_("Call"), "call-one", s.id), s, _("Call %(name)s")),
            index > 0
              ? this.labelled(this.button(_("Up"), "up", s.id), s, _("Move %(name)s up"))
              : null,
            index < list.waiting.length - 1
              ? this.labelled(this.button(_("Down"), "down", s.id), s, _("Move %(name)s down"))
              : null,
            this.labelled(
              this.button(_("Remove"), "remove", s.id, "button-danger"),
              s,
              _("Remove %(name)s from the list"),
            ),
          ),
        ),
      ),
    );
    this.empty.hidden = list.waiting.length > 0;
    this.closeButton.textContent = list.closed ? _("Reopen the list") : _("Close the list");
    this.closedNote.hidden = !list.closed;
    this.history.replaceChildren(
      ...list.done
        .filter((s) => s.started_at)
        .map((s) =>
          el(
            "tr",
            {},
            el("td", {}, speakerLine(s)),
            el("td", {}, formatTime(s.started_at)),
            el("td", {}, s.ended_at ? formatTime(s.ended_at) : ""),
            el("td", {}, formatClock(s.elapsed_ms)),
          ),
        ),
    );
    this.ticker.set(Boolean(current && current.running_since));
    this.renderTime();
  }

  labelled(button, speech, label) {
    button.setAttribute("aria-label", interpolate(label, { name: speech.name }));
    return button;
  }

  renderTime() {
    const left = remainingMs(this.currentSpeech, this.offset);
    this.countdown.hidden = left === null;
    if (left === null) return;
    this.countdown.textContent = left > 0 ? formatClock(left) : _("Time is up");
    this.countdown.dataset.time = left <= 0 ? "over" : left <= WARN_MS ? "low" : "ok";
  }
}
