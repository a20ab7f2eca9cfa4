// A motion's text and an amendment as a change of it: the paragraph struck
// (<del>) and the text added (<ins>), each with words for screen readers.
// Shared by the motions page and the projector.
import { el } from "./meeting-state.js";
import { _, interpolate } from "./i18n.js";

export function stateLabel(state) {
  const labels = {
    submitted: _("Submitted"),
    admitted: _("Admitted"),
    voting: _("Being voted on"),
    carried: _("Carried"),
    rejected: _("Rejected"),
    withdrawn: _("Withdrawn"),
    referred: _("Referred"),
  };
  return labels[state] || state;
}

export function changeLabel(change) {
  if (change.action === "insert") {
    return change.paragraph === 0
      ? _("Insert before paragraph 1")
      : interpolate(_("Insert after paragraph %(n)s"), { n: change.paragraph });
  }
  if (change.action === "delete") {
    return interpolate(_("Delete paragraph %(n)s"), { n: change.paragraph });
  }
  return interpolate(_("Replace paragraph %(n)s"), { n: change.paragraph });
}

/** A translated sentence with a member's words (a title, a name) in it, as
 * nodes: the words isolated in <bdi>, so that an English title keeps its
 * order inside an Arabic sentence and the other way round. */
export function withWords(template, values, key, words) {
  const [before, after = ""] = template.split(`%(${key})s`);
  return [interpolate(before, values), el("bdi", {}, words), interpolate(after, values)];
}

/** The text as numbered paragraphs. */
export function textView(paragraphs, className = "motion-text") {
  // Members' words in their own direction inside a page of another.
  return el("ol", { className }, ...paragraphs.map((p) => el("li", { dir: "auto" }, p)));
}

/** An amendment's change: what it strikes and what it adds. */
export function changeView(change) {
  const box = el("div", { className: "motion-change" }, el("p", { className: "change-label" }, changeLabel(change)));
  if (change.before !== null) {
    box.append(
      el("p", {}, el("span", { className: "visually-hidden" }, _("Struck:") + " "), el("del", { dir: "auto" }, change.before)),
    );
  }
  if (change.after !== null) {
    box.append(
      el("p", {}, el("span", { className: "visually-hidden" }, _("Added:") + " "), el("ins", { dir: "auto" }, change.after)),
    );
  }
  return box;
}

/** The paragraphs of a text (blank lines apart), as the server splits them. */
export function paragraphsOf(text) {
  return text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter(Boolean);
}
