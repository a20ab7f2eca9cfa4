// The chair console. Commands go to the REST API; what the console shows
// comes only from the meeting socket, so it always shows what everyone sees.
import { request } from "./api.js";
import { ChairAttendance } from "./attendance.js";
import { meetingDetailsForm } from "./chair-meeting.js";
import { PollsConsole } from "./chair-polls.js";
import { ChairProjector } from "./chair-projector.js";
import { RunBar } from "./chair-runbar.js";
import { ChairDocuments } from "./documents.js";
import { ChairMinutes } from "./chair-minutes.js";
import { ChairSpeakers } from "./speakers.js";
import { MeetingSocket } from "./meeting-socket.js";
import {
  applyEvent,
  badge,
  el,
  readInitialSnapshot,
  renderNow,
  renderStatus,
} from "./meeting-state.js";
import { _, interpolate } from "./i18n.js";


const main = document.getElementById("main");
// The actions of meetings.permissions this viewer may take (<main data-may>).
const MAY = new Set((main.dataset.may || "").split(" "));
const may = (action) => MAY.has(action);
const apiBase = main.dataset.apiBase;
const list = document.getElementById("agenda");
const errors = document.getElementById("errors");
const addForm = document.getElementById("add-item");

let state = readInitialSnapshot();
let editing = null; // {id, title, description} while an item is being edited
let queue = Promise.resolve(); // commands run one after another, in click order

// --- talking to the API ------------------------------------------------------

function api(method, path, body) {
  const url = path.startsWith("/") ? path : apiBase + path;
  return request(method, url, body, { csrf: main.dataset.csrfToken });
}

/**
 * Run a command after the ones before it; show its error, if any. `handle`
 * may take care of a refusal itself (it returns true when it did).
 */
function command(run, { handle = null } = {}) {
  queue = queue.then(async () => {
    showError(null);
    try {
      await run();
    } catch (error) {
      if (handle && handle(error)) return;
      showError(
        error instanceof TypeError
          ? _("The server could not be reached. Check the connection and try again.")
          : error.message,
      );
    }
  });
  return queue;
}

function showError(text) {
  errors.replaceChildren();
  if (text) errors.append(el("p", { className: "alert" }, text));
}

// --- rendering ---------------------------------------------------------------

function actionButton(action, label, item, { disabled = false, extraClass = "" } = {}) {
  const button = el(
    "button",
    { type: "button", className: `button button-small ${extraClass}`.trim(), disabled },
    label,
  );
  button.dataset.action = action;
  button.dataset.id = String(item.id);
  // The visible label starts the accessible name; the title tells items apart.
  button.setAttribute(
    "aria-label",
    interpolate(_("%(action)s: %(title)s"), { action: label, title: item.title }),
  );
  return button;
}

function editForm(item) {
  const form = el("form", { className: "stack edit-form" });
  form.dataset.id = String(item.id);
  const titleId = `edit-title-${item.id}`;
  const descriptionId = `edit-description-${item.id}`;
  const title = el("input", {
    id: titleId,
    name: "title",
    type: "text",
    required: true,
    maxLength: 300,
    value: editing.title,
  });
  const description = el("textarea", { id: descriptionId, name: "description", rows: 3 });
  description.value = editing.description;
  const cancel = el("button", { type: "button", className: "button" }, _("Cancel"));
  cancel.dataset.action = "cancel-edit";
  cancel.dataset.id = String(item.id);
  const save = el("button", { type: "submit", className: "button button-primary" }, _("Save"));
  save.dataset.action = "save-edit";
  save.dataset.id = String(item.id);
  form.append(
    el("div", { className: "field" }, el("label", { htmlFor: titleId }, _("Title")), title),
    el(
      "div",
      { className: "field" },
      el("label", { htmlFor: descriptionId }, _("Description")),
      description,
    ),
    el("div", { className: "button-row" }, save, cancel),
  );
  return form;
}

function itemView(item, index) {
  const live = state.meeting.status === "live";
  const isCurrent = item.id === state.current_item_id;
  const li = el("li", { className: `agenda-item is-${item.state}` });
  li.dataset.id = String(item.id);
  if (isCurrent) li.setAttribute("aria-current", "step");
  if (editing && editing.id === item.id) {
    li.append(editForm(item));
    return li;
  }
  const head = el("div", { className: "item-head" });
  const mark = badge(item, state);
  if (mark) head.append(mark, " ");
  head.append(el("span", { className: "item-title" }, item.title));
  li.append(head);
  if (item.description) li.append(el("p", { className: "item-description" }, item.description));
  // Only the controls of what this viewer may do (meetings.permissions).
  const actions = [];
  if (may("agenda.advance"))
    actions.push(
      actionButton("make-current", _("Make current"), item, { disabled: !live || isCurrent }),
    );
  if (may("agenda.edit"))
    actions.push(
      actionButton("up", _("Move up"), item, { disabled: index === 0 }),
      actionButton("down", _("Move down"), item, { disabled: index === state.agenda.length - 1 }),
      actionButton("edit", _("Edit"), item),
      actionButton("delete", _("Delete"), item, { extraClass: "button-danger" }),
    );
  if (actions.length) li.append(el("div", { className: "item-actions" }, ...actions));
  return li;
}

function focusKey() {
  const active = document.activeElement;
  if (!active || !main.contains(active)) return null;
  if (active.dataset && active.dataset.action) {
    return { action: active.dataset.action, id: active.dataset.id || null };
  }
  if (active.closest(".edit-form")) return { field: active.name, id: active.closest("form").dataset.id };
  return null;
}

function restoreFocus(key) {
  if (!key) return;
  const active = document.activeElement;
  if (active && active !== document.body && main.contains(active) && !active.disabled) return;
  let target = null;
  if (key.field) {
    target = list.querySelector(`form[data-id="${key.id}"] [name="${key.field}"]`);
  } else if (key.id) {
    target = list.querySelector(`[data-action="${key.action}"][data-id="${key.id}"]`);
    if (!target || target.disabled) {
      target = list.querySelector(`li[data-id="${key.id}"] button:not([disabled])`);
    }
  } else {
    target = main.querySelector(`[data-action="${key.action}"]`);
    if (!target || target.disabled) {
      target = main.querySelector('[data-action="next"]:not([disabled])');
    }
  }
  (target && !target.disabled ? target : main).focus();
}

function render() {
  const key = focusKey();
  if (editing && !state.agenda.some((item) => item.id === editing.id)) editing = null;
  renderStatus(state);
  renderNow(state);
  const status = state.meeting.status;
  const controls = {
    start: status !== "scheduled",
    close: status !== "live",
    previous: status !== "live",
    next: status !== "live",
  };
  for (const [action, disabled] of Object.entries(controls)) {
    main.querySelector(`[data-action="${action}"]`).disabled = disabled;
  }
  list.replaceChildren(...state.agenda.map(itemView));
  document.getElementById("agenda-empty").hidden = state.agenda.length > 0;
  addForm.querySelector("button[type=submit]").disabled = status === "closed";
  restoreFocus(key);
  polls.render(state);
  runBar.render(state);
}

// --- commands ------------------------------------------------------------------

function move(id, offset) {
  const order = state.agenda.map((item) => item.id);
  const index = order.indexOf(id);
  const target = index + offset;
  if (index < 0 || target < 0 || target >= order.length) return;
  [order[index], order[target]] = [order[target], order[index]];
  command(() => api("POST", "agenda/reorder/", { order }));
}

function itemById(id) {
  return state.agenda.find((item) => item.id === id);
}

main.addEventListener("click", (event) => {
  const button = event.target.closest("button[data-action]");
  if (!button || button.disabled || button.type === "submit") return;
  const id = button.dataset.id ? Number(button.dataset.id) : null;
  const item = id === null ? null : itemById(id);
  switch (button.dataset.action) {
    case "next":
    case "previous":
      command(() => api("POST", "agenda/advance/", { direction: button.dataset.action }));
      break;
    case "start":
      command(() => api("POST", "start/"));
      break;
    case "close":
      if (window.confirm(_("Close the meeting? The agenda can no longer be advanced."))) {
        command(() => api("POST", "close/"));
      }
      break;
    case "make-current":
      command(() => api("POST", "agenda/advance/", { item_id: id }));
      break;
    case "up":
      move(id, -1);
      break;
    case "down":
      move(id, 1);
      break;
    case "edit":
      if (item) {
        editing = { id, title: item.title, description: item.description };
        render();
        document.getElementById(`edit-title-${id}`).focus();
      }
      break;
    case "cancel-edit":
      editing = null;
      render();
      restoreAfterEdit(id);
      break;
    case "delete":
      if (
        item &&
        window.confirm(interpolate(_("Delete the agenda item “%(title)s”?"), { title: item.title }))
      ) {
        command(() => api("DELETE", `agenda/${id}/`));
      }
      break;
    default:
      break;
  }
});

function restoreAfterEdit(id) {
  const target = list.querySelector(`[data-action="edit"][data-id="${id}"]`);
  if (target) target.focus();
}

list.addEventListener("input", (event) => {
  if (!editing || !event.target.closest(".edit-form")) return;
  editing[event.target.name] = event.target.value;
});

list.addEventListener("submit", (event) => {
  event.preventDefault();
  const form = event.target.closest(".edit-form");
  if (!form || !editing) return;
  const { id, title, description } = editing;
  command(async () => {
    await api("PATCH", `agenda/${id}/`, { title, description });
    if (editing && editing.id === id) {
      editing = null;
      render();
      restoreAfterEdit(id);
    }
  });
});

addForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const data = new FormData(addForm);
  command(async () => {
    await api("POST", "agenda/", { title: data.get("title"), description: data.get("description") });
    addForm.reset();
    addForm.querySelector("input[name=title]").focus();
  });
});

const runBar = new RunBar({
  root: document.getElementById("run-bar"),
  api,
  command,
  may,
});

const polls = new PollsConsole({
  root: document.getElementById("polls-panel"),
  api,
  command,
  state,
  resync: () => socket.resync(),
});

// The projector panel is the chair's alone: a clerk's console neither shows it
// nor asks for its links.
const projector = may("projector.links")
  ? new ChairProjector({
      root: document.getElementById("projector-panel"),
      api,
      command,
      state,
    })
  : null;

const documents = new ChairDocuments({
  root: document.getElementById("chair-documents"),
  state,
  onError: showError,
});

const speakers = new ChairSpeakers({
  root: document.getElementById("chair-speakers"),
  state,
  onError: showError,
});

// Only where the console shows the note box (minutes.write).
const minutes = document.getElementById("minutes-note")
  ? new ChairMinutes({
      root: document.getElementById("chair-minutes"),
      state,
      onError: showError,
    })
  : null;

const attendance = new ChairAttendance({
  root: document.getElementById("attendance-panel"),
  api,
  command,
  state,
});

meetingDetailsForm({
  form: document.getElementById("meeting-details-form"),
  status: document.getElementById("meeting-details-status"),
  api,
  command,
});

const socket = new MeetingSocket({
  meetingId: main.dataset.meetingId,
  banner: document.getElementById("connection-banner"),
  loginUrl: main.dataset.loginUrl,
  onSnapshot(snapshot) {
    state = snapshot;
    attendance.onSnapshot(snapshot);
    polls.onSnapshot(snapshot);
    documents.onSnapshot(snapshot);
    projector?.onSnapshot(snapshot);
    speakers.onSnapshot(snapshot);
    minutes?.onState(state);
    render();
  },
  onEvent(event) {
    state = applyEvent(state, event);
    attendance.onEvent(event);
    polls.onEvent(event);
    documents.onEvent(event);
    projector?.onEvent(event);
    projector?.setState(state);
    speakers.onEvent(event, state);
    minutes?.onState(state);
    render();
  },
  onMessage(message) {
    polls.onMessage(message);
    attendance.onMessage(message);
    if (message.type === "attendance.changed") {
      state = { ...state, quorum: message.quorum, attendance: message.attendance };
      render();
    }
  },
});
socket.start();

render();
