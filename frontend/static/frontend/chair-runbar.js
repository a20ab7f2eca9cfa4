// The console's run bar: the controls a chair needs at any moment, kept in
// reach while the page scrolls (app.css makes it sticky). Previous/Next are
// plain buttons chair.js handles; here: the open polls with their Close (the
// poll card's own Close does the work, with its confirmation), and the
// projector's scene. The bar's height goes to --run-bar-height, so a link or
// the focus never lands underneath it (scroll-padding in app.css).
import { el } from "./meeting-state.js";
import { _, interpolate } from "./i18n.js";

export class RunBar {
  constructor({ root, api, command, may }) {
    this.root = root;
    this.api = api;
    this.command = command;
    this.may = may;
    this.polls = root.querySelector("#run-polls");
    this.scene = root.querySelector("#run-scene");
    this.key = null;
    if (this.scene) {
      this.scene.addEventListener("change", () => {
        const scene = this.scene.value;
        this.command(() => this.api("POST", "projector-scene/", { scene }));
      });
    }
    this.polls.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-run-close]");
      if (!button) return;
      const close = document.getElementById(`poll-${button.dataset.runClose}-close`);
      if (close) close.click();
    });
    if (!root.hidden && "ResizeObserver" in window) {
      const style = document.documentElement.style;
      new ResizeObserver(() => {
        style.setProperty("--run-bar-height", `${Math.ceil(root.getBoundingClientRect().height)}px`);
      }).observe(root);
    }
  }

  render(state) {
    if (this.scene) {
      const chosen = (state.projector && state.projector.scene) || "follow";
      if (this.scene.value !== chosen) this.scene.value = chosen;
    }
    const open = (state.polls || []).filter((poll) => poll.state === "open");
    const key = JSON.stringify(open.map((poll) => [poll.id, poll.title]));
    if (key === this.key) return;
    const focused = this.polls.contains(document.activeElement)
      ? document.activeElement.dataset.runClose
      : null;
    this.key = key;
    this.polls.hidden = open.length === 0;
    this.polls.replaceChildren(
      ...open.map((poll) => {
        const item = el(
          "li",
          { className: "run-poll" },
          el("span", { className: "eyebrow" }, _("Voting now")),
          " ",
          el("a", { href: `#chair-poll-${poll.id}`, dir: "auto" }, poll.title),
        );
        if (this.may("poll.close")) {
          const close = el(
            "button",
            { type: "button", className: "button button-small button-primary" },
            _("Close the vote"),
          );
          close.dataset.runClose = String(poll.id);
          close.setAttribute(
            "aria-label",
            interpolate(_("Close the vote: %(title)s"), { title: poll.title }),
          );
          item.append(" ", close);
        }
        return item;
      }),
    );
    if (focused) {
      const again = this.polls.querySelector(`[data-run-close="${focused}"]`);
      (again || this.root.querySelector('[data-action="next"]')).focus();
    }
  }
}
