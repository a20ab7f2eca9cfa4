// The minutes page: the note box of every agenda item saves as the
// secretary types; the finalise button finalises and reloads the page.
import { request } from "./api.js";
import { _ } from "./i18n.js";
import { NoteAutosave } from "./minutes-notes.js";

const main = document.getElementById("main");
const options = { apiBase: main.dataset.apiBase, csrf: main.dataset.csrfToken };
const notes = [];

for (const box of document.querySelectorAll("textarea.minutes-note")) {
  const status = document.getElementById(`${box.id}-status`);
  notes.push(new NoteAutosave(box, status, options));
}

const finalise = document.getElementById("finalise");
if (finalise) {
  const status = document.getElementById("finalise-status");
  finalise.addEventListener("click", async () => {
    if (!window.confirm(_("Finalise the minutes? The notes can no longer change after."))) return;
    finalise.disabled = true;
    status.textContent = _("Saving…");
    try {
      await Promise.all(notes.map((note) => note.now()));
      await request("POST", `${options.apiBase}finalise/`, undefined, { csrf: options.csrf });
      window.location.reload();
    } catch (error) {
      status.textContent = error.message;
      finalise.disabled = false;
    }
  });
}
