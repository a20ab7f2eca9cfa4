// Which scene the room's screen shows (docs/protocol.md, projector.changed).
import { currentList } from "./speakers.js";

// Pure functions of the meeting's state: every projector of a meeting, and
// the console's preview of it, pick the same scene.

// Closed polls; "decrypting" is an encrypted poll closed, its result awaiting the tellers.
const CLOSED = new Set(["closed", "published", "decrypting"]);

/** The poll closed last (cancelled ones aside), or null. */
export function lastClosedPoll(polls) {
  const done = (polls || []).filter((poll) => CLOSED.has(poll.state));
  done.sort(
    (a, b) => String(a.closed_at || "").localeCompare(String(b.closed_at || "")) || a.id - b.id,
  );
  return done.length ? done[done.length - 1] : null;
}

export function openPoll(polls) {
  return (polls || []).find((poll) => poll.state === "open") || null;
}

/** A result shown while following: the poll closed last, if it closed after
 * the chair last moved on (another item, a document put up, a scene chosen). */
export function freshResult(state) {
  const poll = lastClosedPoll(state.polls);
  if (!poll || !poll.closed_at) return null;
  const since = state.projector && state.projector.since;
  if (since && Date.parse(poll.closed_at) < Date.parse(since)) return null;
  return poll;
}

/**
 * The scene to show and the poll it shows, if any: {scene, poll}.
 * "follow": an open poll; else a fresh result; else a motion put up; else the presented document;
 * else whoever has the floor; else the current item (the welcome before the meeting starts). A chosen
 * scene that has nothing to show falls back to the current item.
 */
export function pickScene(state) {
  const chosen = (state.projector && state.projector.scene) || "follow";
  const open = openPoll(state.polls);
  switch (chosen) {
    case "welcome":
    case "agenda":
    case "item":
    case "blank":
    case "break":
    case "speakers":
      return { scene: chosen, poll: null };
    case "document":
      return { scene: state.presentation ? "document" : "item", poll: null };
    case "poll": {
      const poll = open || lastClosedPoll(state.polls);
      if (!poll) return { scene: "item", poll: null };
      return { scene: poll.state === "open" ? "poll" : "result", poll };
    }
    case "result": {
      const poll = lastClosedPoll(state.polls);
      return poll ? { scene: "result", poll } : { scene: "item", poll: null };
    }
    default:
      break;
  }
  if (open) return { scene: "poll", poll: open };
  const result = freshResult(state);
  if (result) return { scene: "result", poll: result };
  // A motion the chair put up shows in the item scene (motions-projector.js);
  // it and a document are never up at once (the server takes one down).
  if (state.motion_projection) return { scene: "item", poll: null };
  if (state.presentation) return { scene: "document", poll: null };
  const speakers = state.speakers ? currentList(state) : null;
  if (speakers && speakers.current) return { scene: "speakers", poll: null };
  if (state.meeting && state.meeting.status === "scheduled") return { scene: "welcome", poll: null };
  return { scene: "item", poll: null };
}

/** The scene names the chair chooses from, in the console's order. */
export const SCENES = [
  "follow",
  "welcome",
  "agenda",
  "item",
  "document",
  "poll",
  "result",
  "speakers",
  "break",
  "blank",
];
