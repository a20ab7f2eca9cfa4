// The chair console's "Meeting details" form: title, location, livestream
// link and whether the bulletin board is public (PATCH on the meeting).
import { _ } from "./i18n.js";

export function meetingDetailsForm({ form, status, api, command }) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const data = new FormData(form);
    status.textContent = "";
    command(async () => {
      await api("PATCH", "", {
        title: data.get("title"),
        location: data.get("location"),
        livestream_url: String(data.get("livestream_url") || "").trim(),
        board_public: data.get("board_public") === "on",
      });
      status.textContent = _("Meeting details saved.");
    });
  });
}
