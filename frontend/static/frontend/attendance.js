// Attendance on the chair console, the projector and the member page:
// counts and weights in the room / remote / absent (from the snapshot, then
// from coalesced `attendance.changed` messages), the chair's switches, the
// projector's rotating room QR code, and the member's remote presence.
import { request } from "./api.js";
import { el } from "./meeting-state.js";
import { formatWeight } from "./voting.js";
import { _, formatNumber, interpolate } from "./i18n.js";


export function presenceLabel(presence) {
  const labels = {
    room: _("Present in the room"),
    remote: _("Present remotely"),
    absent: _("Absent"),
  };
  return labels[presence] || presence;
}

/** A text table: voters and weight in the room, remote, absent. */
export function attendanceTable(attendance, { caption = _("Attendance of voters") } = {}) {
  if (!attendance) return el("p", {}, "");
  const row = (key, label) =>
    el(
      "tr",
      { "data-presence": key },
      el("th", { scope: "row" }, label),
      el("td", { className: "num", "data-count": key }, formatNumber(attendance[key].voters)),
      el("td", { className: "num" }, formatWeight(attendance[key].weight)),
    );
  return el(
    "table",
    { className: "attendance-table" },
    el("caption", {}, caption),
    el(
      "thead",
      {},
      el(
        "tr",
        {},
        el("th", { scope: "col" }, _("Presence")),
        el("th", { scope: "col" }, _("Voters")),
        el("th", { scope: "col" }, _("Weight")),
      ),
    ),
    el(
      "tbody",
      {},
      row("room", _("In the room")),
      row("remote", _("Remote")),
      row("absent", _("Absent")),
    ),
  );
}

/** The attendance panel of the chair console. */
export class ChairAttendance {
  constructor({ root, api, command, state }) {
    this.root = root;
    this.api = api;
    this.command = command;
    this.counts = root.querySelector("#attendance-counts");
    this.room = root.querySelector("#room-checkin-enabled");
    this.remote = root.querySelector("#allow-remote");
    this.status = root.querySelector("#attendance-settings-status");
    this.attendance = state.attendance || null;
    this.meeting = state.meeting;
    for (const box of [this.room, this.remote]) {
      box.addEventListener("change", () => this.save(box));
    }
    this.render();
  }

  save(box) {
    const body = { [box.name]: box.checked };
    this.command(async () => {
      this.status.textContent = "";
      try {
        const answer = await this.api("PATCH", "attendance/settings/", body);
        this.attendance = answer.attendance;
        this.status.textContent = _("Saved.");
      } catch (error) {
        box.checked = !box.checked;
        throw error;
      }
    });
  }

  onSnapshot(snapshot) {
    this.attendance = snapshot.attendance || this.attendance;
    this.meeting = snapshot.meeting;
    this.render();
  }

  onEvent(event) {
    if (event.type === "meeting.changed") {
      this.meeting = event.meeting;
      this.render();
    }
  }

  onMessage(message) {
    if (message.type !== "attendance.changed") return;
    this.attendance = message.attendance;
    this.meeting = {
      ...this.meeting,
      room_checkin_enabled: message.room_checkin_enabled,
      allow_remote_participation: message.allow_remote_participation,
    };
    this.render();
  }

  render() {
    this.counts.replaceChildren(attendanceTable(this.attendance));
    if (this.meeting) {
      this.room.checked = Boolean(this.meeting.room_checkin_enabled);
      this.remote.checked = Boolean(this.meeting.allow_remote_participation);
    }
  }
}

/**
 * The projector's room QR code. It fetches the current code from
 * /meetings/<id>/projector/room-code/ (the projector cookie is the key) and
 * again when the 30-second window turns
 * (the server says when: `refresh_in`); the server accepts the shown code
 * and the one before it, so a code is good for up to a minute.
 */
export class ProjectorRoomCode {
  constructor({ root, url, state }) {
    this.root = root;
    this.url = url;
    this.image = root.querySelector("#room-qr-image");
    this.link = root.querySelector("#room-qr-link");
    this.counts = document.getElementById("projector-attendance");
    this.attendance = state.attendance || null;
    this.enabled = Boolean(state.meeting.room_checkin_enabled);
    this.timer = null;
    this.fails = 0;
    this.renderCounts();
    this.refresh();
  }

  schedule(seconds) {
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => this.refresh(), Math.max(0.5, seconds) * 1000);
  }

  async refresh() {
    let body;
    try {
      const response = await fetch(this.url, {
        cache: "no-store",
        credentials: "same-origin",
      });
      if (!response.ok) throw new Error(String(response.status));
      body = await response.json();
      this.fails = 0;
    } catch {
      // A shown code stops working a minute after its window: hide it then.
      this.fails += 1;
      if (this.fails >= 2) this.show(null);
      this.schedule(Math.min(30, 2 ** this.fails));
      return;
    }
    this.show(body.enabled ? body : null);
    this.schedule(body.enabled ? body.refresh_in + 0.2 : 30);
  }

  show(code) {
    this.root.hidden = !code;
    document.getElementById("main").classList.toggle("has-room-code", Boolean(code));
    if (!code) {
      this.image.removeAttribute("src");
      this.link.removeAttribute("href");
      this.root.removeAttribute("data-checkin-url");
      return;
    }
    this.image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(code.svg)}`;
    this.link.href = code.url;
    this.root.dataset.checkinUrl = code.url;
    this.root.dataset.window = String(code.window);
  }

  renderCounts() {
    if (!this.counts || !this.attendance) return;
    const a = this.attendance;
    this.counts.textContent = interpolate(
      _("In the room: %(room)s · Remote: %(remote)s · Absent: %(absent)s"),
      {
        room: formatNumber(a.room.voters),
        remote: formatNumber(a.remote.voters),
        absent: formatNumber(a.absent.voters),
      },
    );
  }

  onSnapshot(snapshot) {
    this.attendance = snapshot.attendance || this.attendance;
    this.renderCounts();
    this.switchTo(Boolean(snapshot.meeting.room_checkin_enabled));
  }

  onEvent(event) {
    if (event.type === "meeting.changed") {
      this.switchTo(Boolean(event.meeting.room_checkin_enabled) && event.meeting.status !== "closed");
    }
  }

  onMessage(message) {
    if (message.type !== "attendance.changed") return;
    this.attendance = message.attendance;
    this.renderCounts();
    this.switchTo(Boolean(message.room_checkin_enabled));
  }

  switchTo(enabled) {
    if (enabled === this.enabled) return;
    this.enabled = enabled;
    this.refresh();
  }
}

/** The member page: my presence, remote confirmation, check-out. */
export class MemberAttendance {
  constructor({ root, apiBase, state, announcer }) {
    this.root = root;
    this.apiBase = apiBase;
    this.announcer = announcer;
    this.presence = state.my_presence || null;
    this.meeting = state.meeting;
    this.line = root.querySelector("#my-presence");
    this.hint = root.querySelector("#presence-hint");
    this.remote = root.querySelector("#confirm-remote");
    this.checkout = root.querySelector("#check-out");
    this.error = root.querySelector("#presence-error");
    this.remote.addEventListener("click", () => this.send("remote-presence/", {}));
    this.checkout.addEventListener("click", () => this.send("check-out/", {}));
    this.render();
  }

  async send(path, body) {
    this.error.replaceChildren();
    try {
      const answer = await request("POST", this.apiBase + path, body, {
        csrf: this.root.dataset.csrfToken,
      });
      this.presence = answer.current_presence;
      this.announcer.textContent = answer.message;
    } catch (error) {
      this.error.append(
        el(
          "p",
          { className: "alert" },
          error instanceof TypeError ? _("The server could not be reached.") : error.message,
        ),
      );
    }
    this.render();
  }

  onSnapshot(snapshot) {
    this.meeting = snapshot.meeting;
    this.presence = snapshot.my_presence || null;
    this.render();
  }

  onEvent(event) {
    if (event.type === "meeting.changed") {
      this.meeting = event.meeting;
      this.render();
    }
  }

  /** My presence changed elsewhere (the clerk checked me in): say so. */
  onPersonal(me) {
    const presence = me.my_presence || null;
    if (presence === this.presence) return;
    this.presence = presence;
    this.render();
    if (presence) this.announcer.textContent = this.line.textContent;
  }

  render() {
    if (!this.presence) {
      this.root.hidden = true;
      return;
    }
    this.root.hidden = false;
    this.line.textContent = interpolate(_("Your presence: %(presence)s."), {
      presence: presenceLabel(this.presence),
    });
    const open = this.meeting && this.meeting.status !== "closed";
    this.remote.hidden = !(
      open &&
      this.meeting.allow_remote_participation &&
      this.presence === "absent"
    );
    this.checkout.hidden = !(open && this.presence !== "absent");
    // "Absent" alone leaves a member stuck: say how to check in.
    const hints = [];
    if (open && this.presence === "absent") {
      hints.push(_("To check in, scan the QR code at the door or type the room code shown there."));
      if (!this.remote.hidden) {
        hints.push(_("Following from elsewhere? Confirm your presence with the button below."));
      }
    }
    this.hint.textContent = hints.join(" ");
    this.hint.hidden = !hints.length;
  }
}
