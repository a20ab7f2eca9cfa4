// The console's projector panel: which scene the room's screens show (the
// same choice stage.js makes on the projector), pairing a room PC by a short
// code, and the projector links still valid, each revocable.
import { el } from "./meeting-state.js";
import { pickScene } from "./stage.js";
import { _, formatDateTime, interpolate, ngettext } from "./i18n.js";

export function sceneName(scene) {
  return (
    {
      follow: _("Follow the meeting"),
      welcome: _("Welcome"),
      agenda: _("Agenda"),
      item: _("Current item"),
      document: _("Document"),
      poll: _("Poll"),
      result: _("Result"),
      speakers: _("Speakers"),
      break: _("Break"),
      blank: _("Blank screen"),
    }[scene] || scene
  );
}

export class ChairProjector {
  constructor({ root, api, command, state }) {
    this.root = root;
    this.api = api;
    this.command = command;
    this.state = state;
    this.presentation = (state && state.presentation) || null;
    this.output = root.querySelector("#projector-output");
    this.links = root.querySelector("#projector-links");
    this.empty = root.querySelector("#projector-links-empty");
    root.addEventListener("click", (event) => {
      const scene = event.target.closest("button[data-scene]");
      if (scene) {
        this.command(() => this.api("POST", "projector-scene/", { scene: scene.dataset.scene }));
        return;
      }
      const button = event.target.closest("button[data-action]");
      if (button) this.action(button);
    });
    this.render();
    this.loadLinks();
  }

  onSnapshot(snapshot) {
    this.presentation = snapshot.presentation || null;
    this.setState(snapshot);
  }

  /** The console's own state has no presented document: kept here. */
  onEvent(event) {
    if (event.type === "document.presented") this.presentation = event.presentation;
  }

  /** The console's state after each message (meeting-state.js applyEvent). */
  setState(state) {
    this.state = { ...state, presentation: this.presentation };
    this.render();
  }

  render() {
    const chosen = (this.state.projector && this.state.projector.scene) || "follow";
    for (const button of this.root.querySelectorAll("button[data-scene]")) {
      button.setAttribute("aria-pressed", String(button.dataset.scene === chosen));
    }
    const { scene } = pickScene(this.state);
    const text =
      chosen === "follow"
        ? interpolate(_("On the screen now: %(scene)s (following the meeting)."), {
            scene: sceneName(scene),
          })
        : interpolate(_("On the screen now: %(scene)s."), { scene: sceneName(scene) });
    const line = this.root.querySelector("#projector-showing");
    if (line.textContent !== text) line.textContent = text;
  }

  action(button) {
    switch (button.dataset.action) {
      case "projector-pair":
        this.command(async () => this.showPairing(await this.api("POST", "projector-pairing/")));
        break;
      case "projector-link":
        this.command(async () => this.showLink(await this.api("POST", "projector-link/")));
        break;
      case "projector-revoke":
        if (
          window.confirm(_("Revoke every projector link given out so far? Open projector pages stop."))
        ) {
          this.command(async () => this.showLink(await this.api("DELETE", "projector-link/")));
        }
        break;
      case "projector-link-revoke":
        this.command(async () => {
          await this.api("DELETE", `projector-links/${button.dataset.id}/`);
          await this.loadLinks();
        });
        break;
      default:
        break;
    }
  }

  showPairing(payload) {
    const qr = el("div", { className: "pair-qr", role: "img" });
    qr.setAttribute("aria-label", _("QR code that pairs the room's computer"));
    qr.innerHTML = payload.qr_svg; // qrcode's SVG, built by our server from a URL
    const minutes = Math.round(payload.expires_in / 60);
    this.output.replaceChildren(
      el(
        "p",
        {},
        interpolate(_("On the room's computer, open %(url)s and type this code:"), {
          url: payload.pair_url,
        }),
      ),
      el("p", { className: "pair-code", id: "pair-code-shown", dir: "ltr" }, payload.code),
      el(
        "p",
        {},
        interpolate(
          ngettext(
            "The code works once and expires in %(minutes)s minute.",
            "The code works once and expires in %(minutes)s minutes.",
            minutes,
          ),
          { minutes },
        ),
      ),
      qr,
    );
    this.loadLinks(); // a screen that pairs shows up when the list is read again
  }

  showLink(payload) {
    const href = new URL(payload.url, window.location.origin).href;
    const link = el("a", { href, target: "_blank", rel: "noopener", id: "projector-link" }, href);
    this.output.replaceChildren(
      el("p", {}, _("Open this link on the room's computer:")),
      el("p", { className: "projector-link" }, link),
    );
    return this.loadLinks();
  }

  async loadLinks() {
    let links;
    try {
      links = await this.api("GET", "projector-link/");
    } catch {
      return; // the console shows command errors; a failed listing waits for the next
    }
    this.empty.hidden = links.length > 0;
    this.links.replaceChildren(
      ...links.map((link) => {
        const when = formatDateTime(link.created_at);
        const name = interpolate(_("%(label)s, paired %(when)s"), { label: link.label, when });
        const revoke = el(
          "button",
          {
            type: "button",
            className: "button button-quiet",
            "data-action": "projector-link-revoke",
            "data-id": String(link.id),
          },
          _("Revoke"),
        );
        revoke.setAttribute(
          "aria-label",
          interpolate(_("Revoke %(label)s (link %(id)s)"), { label: link.label, id: link.id }),
        );
        return el("li", { className: "projector-link-row" }, el("bdi", {}, name), " ", revoke);
      }),
    );
  }
}

