// The projector's motion part: the motion the chair chose, or one of its
// amendments as a change of the text. Kept apart from projector.js, which
// only forwards the snapshot and events here.
import { el } from "./meeting-state.js";
import { changeView, paragraphsOf, stateLabel, textView, withWords } from "./motion-text.js";
import { _ } from "./i18n.js";

export class ProjectorMotion {
  constructor({ root, state }) {
    this.root = root;
    this.state = state || {};
    this.render();
  }

  onSnapshot(snapshot) {
    this.state = snapshot;
    this.render();
  }

  onEvent(event) {
    if (event.type === "motions.changed") {
      this.state = { ...this.state, motions: event.motions };
    } else if (event.type === "motion.projected") {
      this.state = { ...this.state, motion_projection: event.motion_projection };
    } else {
      return;
    }
    this.render();
  }

  render() {
    const shown = this.state.motion_projection;
    const motion = shown && (this.state.motions || []).find((m) => m.id === shown.motion_id);
    this.root.hidden = !motion;
    document.body.classList.toggle("showing-motion", Boolean(motion));
    if (!motion) {
      this.root.replaceChildren();
      return;
    }
    const amendment = shown.amendment_id
      ? motion.amendments.find((a) => a.id === shown.amendment_id)
      : null;
    const heading = amendment
      ? withWords(
          _("Amendment %(a)s to motion %(n)s: %(title)s"),
          { a: amendment.number, n: motion.number },
          "title",
          motion.title,
        )
      : withWords(_("Motion %(n)s: %(title)s"), { n: motion.number }, "title", motion.title);
    const state = amendment ? amendment.state : motion.state;
    const text = motion.final ? paragraphsOf(motion.final.text) : paragraphsOf(motion.current_text);
    this.root.replaceChildren(
      el("h2", { className: "projector-motion-title" }, ...heading),
      el("p", { className: "motion-state" }, stateLabel(state)),
      amendment ? changeView(amendment.change) : textView(text),
    );
  }
}
