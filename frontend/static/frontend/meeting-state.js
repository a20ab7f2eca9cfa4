// Meeting state kept by every page: the snapshot, updated by events.

import { _ } from "./i18n.js";

export function readInitialSnapshot() {
  const node = document.getElementById("initial-snapshot");
  return node ? JSON.parse(node.textContent) : null;
}

/** A new state from a sequenced event (the event is trusted to be in order). */
export function applyEvent(state, event) {
  switch (event.type) {
    case "agenda.changed":
      return { ...state, agenda: event.agenda, current_item_id: event.current_item_id };
    case "meeting.changed":
      return { ...state, meeting: event.meeting };
    case "roster.changed":
      return { ...state, roster: event.roster };
    case "poll.changed":
      return { ...state, polls: upsertPoll(state.polls || [], event.poll) };
    case "quorum.changed":
      return { ...state, quorum: event.quorum };
    case "projector.changed":
      return { ...state, projector: event.projector };
    case "speakers.changed": {
      // One item's whole list (speakers.js reads it).
      const lists = { ...state.speakers.lists, [event.agenda_item_id]: event.list };
      return { ...state, speakers: { ...state.speakers, lists } };
    }
    case "speakers.settings_changed":
      return { ...state, speakers: { ...state.speakers, settings: event.settings } };
    default:
      return state; // an event for another part of the page (voting, documents...)
  }
}

/** Polls in the meeting's order: by position (drafts are reordered ahead), then id. */
const byPosition = (a, b) => (a.position ?? 0) - (b.position ?? 0) || a.id - b.id;

/** The polls with `poll` replaced (or added), in the meeting's order. */
export function upsertPoll(polls, poll) {
  const index = polls.findIndex((p) => p.id === poll.id);
  if (index < 0) return [...polls, poll].sort(byPosition);
  const copy = polls.slice();
  copy[index] = poll;
  return poll.position === polls[index].position ? copy : copy.sort(byPosition);
}

export function currentItem(state) {
  return state.agenda.find((item) => item.id === state.current_item_id) || null;
}

/** The item after the current one; with none current, the first not done. */
export function nextItem(state) {
  const current = currentItem(state);
  if (current) return state.agenda.find((item) => item.position > current.position) || null;
  return state.agenda.find((item) => item.state !== "done") || null;
}

export function statusLabel(status) {
  const labels = {
    scheduled: _("Scheduled"),
    live: _("Live"),
    closed: _("Closed"),
  };
  return labels[status] || status;
}

/** What the "Now" heading says when no item is current. */
export function noCurrentText(state) {
  if (state.meeting.status === "closed") return _("The meeting is closed.");
  if (state.meeting.status === "scheduled") return _("The meeting has not started yet.");
  return _("No current item");
}

export function renderStatus(state) {
  const node = document.getElementById("meeting-status");
  if (!node) return;
  node.textContent = statusLabel(state.meeting.status);
  node.className = `status status-${state.meeting.status}`;
  const title = document.getElementById("meeting-title");
  if (title) title.textContent = state.meeting.title;
}

/** The current item's title (and description, if the page shows it). */
export function renderNow(state) {
  const current = currentItem(state);
  const title = document.getElementById("current-title");
  if (title) title.textContent = current ? current.title : noCurrentText(state);
  const description = document.getElementById("current-description");
  if (description) {
    description.replaceChildren();
    const text = current ? current.description : "";
    for (const paragraph of text.split(/\n{2,}/).filter(Boolean)) {
      const p = document.createElement("p");
      p.textContent = paragraph;
      description.append(p);
    }
    description.hidden = !text;
  }
}

export function badge(item, state) {
  if (item.id === state.current_item_id) {
    return el("span", { className: "badge badge-now" }, _("Now"));
  }
  if (item.state === "done") return el("span", { className: "badge badge-done" }, _("Done"));
  return null;
}

/** The read-only agenda list (member page). */
export function renderAgenda(list, state) {
  list.replaceChildren(
    ...state.agenda.map((item) => {
      const li = el("li", { className: `agenda-item is-${item.state}` });
      li.dataset.id = String(item.id);
      if (item.id === state.current_item_id) li.setAttribute("aria-current", "step");
      const mark = badge(item, state);
      if (mark) li.append(mark, " ");
      li.append(el("span", { className: "item-title" }, item.title));
      return li;
    }),
  );
  const empty = document.getElementById("agenda-empty");
  if (empty) empty.hidden = state.agenda.length > 0;
}

/** An element with properties (role, aria-* and data-* set as attributes) and children. */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === "role" || key.startsWith("aria-") || key.startsWith("data-")) {
      node.setAttribute(key, value);
    } else {
      node[key] = value;
    }
  }
  node.append(...children.filter((child) => child !== null && child !== undefined));
  return node;
}
