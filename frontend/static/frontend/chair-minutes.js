// The secretary's notes in the chair/clerk console: one note box for the
// agenda item picked in the list beside it. It follows the current item when
// the chair moves on (the unsaved text is saved first); the secretary may pick
// another item to write about. The notes load once from the API; the socket
// keeps the list of items up to date.
import { request } from "./api.js";
import { el } from "./meeting-state.js";
import { NoteAutosave } from "./minutes-notes.js";

export class ChairMinutes {
  constructor({ root, state, onError }) {
    this.root = root;
    this.onError = onError;
    if (!root) return;
    this.apiBase = root.dataset.apiBase;
    this.csrf = root.dataset.csrfToken;
    this.picker = root.querySelector("#minutes-item");
    this.box = root.querySelector("#minutes-note");
    this.texts = new Map();
    this.currentSeen = state.current_item_id ?? null;
    this.note = new NoteAutosave(this.box, root.querySelector("#minutes-note-status"), {
      apiBase: this.apiBase,
      csrf: this.csrf,
    });
    this.box.addEventListener("input", () => this.texts.set(this.itemId(), this.box.value));
    this.picker.addEventListener("change", () => this.show(Number(this.picker.value)));
    this.box.disabled = true;
    this.load(state);
  }

  itemId() {
    return Number(this.box.dataset.itemId || 0);
  }

  async load(state) {
    try {
      const answer = await request("GET", `${this.apiBase}notes/`, undefined, { csrf: this.csrf });
      for (const note of answer.notes) this.texts.set(note.agenda_item_id, note.text);
      if (answer.finalised) {
        this.box.readOnly = true;
      }
      this.box.disabled = false;
      this.renderItems(state);
      const first = state.current_item_id ?? state.agenda[0]?.id;
      if (first) this.show(first);
    } catch (error) {
      this.onError(error.message);
    }
  }

  show(itemId) {
    this.texts.set(this.itemId(), this.box.value);
    this.note.switchTo(itemId, this.texts.get(itemId) ?? "");
    this.picker.value = String(itemId);
  }

  renderItems(state) {
    const chosen = this.picker.value;
    this.picker.replaceChildren(
      ...state.agenda.map((item) => {
        const option = el("option", { value: String(item.id) }, `${item.position}. ${item.title}`);
        return option;
      }),
    );
    if (chosen) this.picker.value = chosen;
  }

  onState(state) {
    if (!this.root || this.box.disabled) return;
    this.renderItems(state);
    const current = state.current_item_id ?? null;
    if (current !== this.currentSeen) {
      this.currentSeen = current;
      if (current) this.show(current);
    }
  }
}
