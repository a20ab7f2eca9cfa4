// What the tellers' page and the chair console both say about an encrypted
// poll's tellers (GET /api/polls/<id>/tellers/): each teller's furthest step
// and the counts, in words.
import { _, formatNumber, interpolate } from "./i18n.js";
import { el } from "./meeting-state.js";

/** A teller's furthest step of the ceremony or the decryption, in words. */
export function tellerStep(teller) {
  if (teller.decrypted) return _("Decrypted");
  if (teller.ready) return _("Ready");
  if (teller.shares_sent) return _("Shares sent");
  if (teller.transport_key) return _("Key published");
  return _("Waiting for the key");
}

/** How many tellers have reached a step ("transport_key", "shares_sent", ...). */
export const countWith = (ceremony, field) => ceremony.tellers.filter((t) => t[field]).length;

/** One line per teller: number, name, furthest step; `me` marks the reader. */
export function tellerList(list, ceremony, me = null) {
  list.replaceChildren(
    ...ceremony.tellers.map((t) =>
      el(
        "li",
        { className: `teller-row${t.ready ? " is-ready" : ""}` },
        el(
          "span",
          { className: "teller-name" },
          el("bdi", {}, t.name),
          t.index === me ? ` ${_("(you)")}` : "",
        ),
        " · ",
        el("span", { className: "teller-step" }, tellerStep(t)),
      ),
    ),
  );
  list.setAttribute("aria-label", _("Tellers"));
}

/** "2 of 3 tellers needed have decrypted." */
export function decryptedSentence(ceremony) {
  return interpolate(_("%(done)s of the %(needed)s tellers needed have decrypted."), {
    done: formatNumber(countWith(ceremony, "decrypted")),
    needed: formatNumber(ceremony.threshold),
  });
}
