// The secretary's notes: each note box saves itself a moment after the
// secretary stops typing (and when the box loses focus or the page is left),
// through PUT /api/meetings/<id>/minutes/notes/<item>/. The status line under
// the box says whether the text is saved. Used by the minutes page and by
// the chair/clerk console.
import { request } from "./api.js";
import { _ } from "./i18n.js";

const PAUSE_MS = 800;
// Browsers let a request outlive its page (keepalive) up to 64 KB of body.
const KEEPALIVE_BYTES = 60_000;

export class NoteAutosave {
  /**
   * @param {HTMLTextAreaElement} box  the note box; its data-item-id names the item
   * @param {HTMLElement} status  where "Saving…" / "Saved." / a refusal shows
   * @param {{apiBase: string, csrf: string}} options
   */
  constructor(box, status, { apiBase, csrf }) {
    this.box = box;
    this.status = status;
    this.apiBase = apiBase;
    this.csrf = csrf;
    this.timer = null;
    this.saved = box.value;
    this.chain = Promise.resolve();
    // Tabbing to a box at the bottom of the screen shows only its first
    // line: bring the whole box into view to write in it.
    box.addEventListener("focus", () => box.scrollIntoView({ block: "nearest" }));
    box.addEventListener("input", () => this.later());
    box.addEventListener("blur", () => this.now());
    window.addEventListener("pagehide", () => this.now());
  }

  /** Point the box at another agenda item (the console's item picker). */
  switchTo(itemId, text) {
    this.now();
    this.box.dataset.itemId = String(itemId);
    this.box.value = text;
    this.saved = text;
    this.status.textContent = "";
  }

  later() {
    clearTimeout(this.timer);
    this.status.textContent = "";
    this.timer = setTimeout(() => this.now(), PAUSE_MS);
  }

  /** Save now if the text changed; saves run one after another. */
  now() {
    clearTimeout(this.timer);
    const text = this.box.value;
    const itemId = this.box.dataset.itemId;
    if (text === this.saved || !itemId) return this.chain;
    this.saved = text;
    this.status.textContent = _("Saving…");
    this.chain = this.chain
      .then(() => {
        // A save started as the page is left (blur, pagehide) still arrives.
        const keepalive = new Blob([JSON.stringify({ text })]).size < KEEPALIVE_BYTES;
        return request(
          "PUT",
          `${this.apiBase}notes/${itemId}/`,
          { text },
          { csrf: this.csrf, keepalive },
        );
      })
      .then(() => {
        if (this.box.value === text) this.status.textContent = _("Saved.");
      })
      .catch((error) => {
        this.saved = null; // try again on the next change
        this.status.textContent = error.message;
        if (error.code === "minutes_finalised") this.box.readOnly = true;
      });
    return this.chain;
  }
}
