// The member page's links to the tellers' pages: the snapshot's
// `my_teller_polls`, drawn again when it changes (a member named teller
// while their page is open gets `me.changed`, docs/protocol.md).
import { _, interpolate } from "./i18n.js";

export function renderTellerLinks(root, meetingId, polls) {
  if (!root || !Array.isArray(polls)) return;
  const list = root.querySelector("ul");
  list.replaceChildren(
    ...polls.map((poll) => {
      const link = document.createElement("a");
      link.className = "link-target";
      link.href = `/meetings/${meetingId}/polls/${poll.id}/tellers/`;
      link.textContent = interpolate(_("Tellers' page: %(title)s"), { title: poll.title });
      const item = document.createElement("li");
      item.append(link);
      return item;
    }),
  );
  root.hidden = polls.length === 0;
}
