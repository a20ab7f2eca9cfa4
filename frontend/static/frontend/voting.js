// Polls as every page shows them: labels, ballot controls and their rules,
// turnout, results tables. No state of its own except TurnoutBook.

import {
  _,
  formatClock,
  formatNumber,
  formatPercent,
  interpolate,
  ngettext,
  pageLocale,
  pgettext,
} from "./i18n.js";
import { el } from "./meeting-state.js";

export { _, interpolate, ngettext };

// --- ballot nonces -------------------------------------------------------------

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/**
 * A fresh ballot nonce: the key of resends, kept on the phone and never
 * published (the receipt code is the server's). 80 random bits from the
 * browser's CSPRNG, 16 base32 letters.
 */
export function newBallotNonce() {
  const bytes = new Uint8Array(10);
  window.crypto.getRandomValues(bytes);
  let bits = 0;
  let value = 0;
  let code = "";
  for (const byte of bytes) {
    // Arithmetic, not "<<": GNU xgettext misreads a left shift and would skip
    // every translatable string after it (makemessages).
    value = value * 256 + byte;
    bits += 8;
    while (bits >= 5) {
      code += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value %= 2 ** bits;
  }
  return code;
}

/** ABCDEFGHIJKLMNOP -> ABCD-EFGH-IJKL-MNOP: short groups are easy to read aloud. */
export function formatReceipt(code) {
  return (
    String(code)
      .replace(/[\s-]/g, "")
      .match(/.{1,4}/g) || []
  ).join("-");
}

// --- labels ------------------------------------------------------------------------

/** "29.5000" -> "29.5"; "31.0000" -> "31", in the page's digits. Weights stay
 * decimal strings, never floats. For display only: compare Number(weight). */
export function formatWeight(value) {
  return formatNumber(String(value ?? "0"));
}

export function kindLabel(kind) {
  const labels = {
    motion: _("Motion"),
    single: _("Single choice"),
    multiple: _("Multiple choice"),
    election: _("Election"),
  };
  return labels[kind] || kind;
}

export function pollStateLabel(state) {
  const labels = {
    draft: _("Draft"),
    open: pgettext("poll state", "Open"),
    closed: _("Closed"),
    // An encrypted poll between its close and the tellers' decryption.
    decrypting: _("Awaiting decryption"),
    published: _("Published"),
    cancelled: _("Cancelled"),
  };
  return labels[state] || state;
}

export function secrecyLabel(secrecy) {
  return secrecy === "named" ? _("Named vote") : _("Secret vote");
}

/**
 * An option's label in the reader's language. Yes, No and Abstain are the
 * server's own words, stored in the language of whoever created the poll:
 * translate them by role. Options and candidates are shown as written.
 */
export function optionLabel(option) {
  const fixed = { yes: _("Yes"), no: _("No"), abstain: _("Abstain") };
  return fixed[option.role] || option.label;
}

export function optionLabels(poll, ids) {
  const byId = new Map(poll.options.map((option) => [option.id, optionLabel(option)]));
  return ids.map((id) => byId.get(id) || String(id));
}

// --- ballot rules ------------------------------------------------------------------

/** Motions and one-candidate elections: exactly one answer. */
export function isYesNo(poll) {
  return poll.kind === "motion" || poll.options.some((option) => option.role === "no");
}

export function usesRadios(poll) {
  return isYesNo(poll) || poll.max_choices <= 1;
}

function abstainIds(poll) {
  return new Set(poll.options.filter((o) => o.role === "abstain").map((o) => o.id));
}

/** What the voter is asked to do, in one sentence. */
export function choiceHint(poll) {
  if (usesRadios(poll)) return _("Choose one answer.");
  const { min_choices: low, max_choices: high } = poll;
  if (low === high) {
    return interpolate(ngettext("Choose %(n)s.", "Choose %(n)s.", high), { n: formatNumber(high) });
  }
  if (low <= 1) {
    return interpolate(ngettext("Choose up to %(n)s.", "Choose up to %(n)s.", high), {
      n: formatNumber(high),
    });
  }
  return interpolate(_("Choose between %(low)s and %(high)s."), {
    low: formatNumber(low),
    high: formatNumber(high),
  });
}

/** Why these choices are not a valid ballot yet, or null when they are. */
export function selectionError(poll, ids) {
  const abstain = abstainIds(poll);
  if (ids.some((id) => abstain.has(id))) {
    return ids.length === 1 ? null : _("Abstain cannot be combined with other choices.");
  }
  if (usesRadios(poll)) return ids.length === 1 ? null : _("Choose an answer.");
  if (ids.length > poll.max_choices) {
    return interpolate(
      ngettext("You can choose at most %(n)s.", "You can choose at most %(n)s.", poll.max_choices),
      { n: formatNumber(poll.max_choices) },
    );
  }
  if (ids.length < poll.min_choices) {
    return interpolate(
      ngettext("Choose at least %(n)s.", "Choose at least %(n)s.", poll.min_choices),
      { n: formatNumber(poll.min_choices) },
    );
  }
  return null;
}

/**
 * A fieldset with one large radio button or checkbox per option.
 * `prefix` makes the ids unique in the page; `legend` names the group.
 */
export function choiceFieldset(poll, { prefix, legend, selected = [], hintId = null }) {
  const radios = usesRadios(poll);
  const fieldset = el("fieldset", { className: "choices" });
  fieldset.dataset.pollId = String(poll.id);
  fieldset.append(el("legend", {}, legend));
  if (hintId) fieldset.setAttribute("aria-describedby", hintId);
  for (const option of poll.options) {
    const id = `${prefix}-option-${option.id}`;
    const input = el("input", {
      type: radios ? "radio" : "checkbox",
      name: `${prefix}-choice`,
      id,
      value: String(option.id),
      checked: selected.includes(option.id),
    });
    input.dataset.role = option.role;
    const label = el(
      "label",
      { htmlFor: id, className: `choice choice-${option.role}` },
      input,
      el("span", { className: "choice-label" }, optionLabel(option)),
    );
    fieldset.append(label);
  }
  return fieldset;
}

export function checkedIds(container) {
  return [...container.querySelectorAll("input[type=radio]:checked, input[type=checkbox]:checked")]
    .map((input) => Number(input.value))
    .filter((id) => Number.isInteger(id));
}

/**
 * Checkbox rules while the voter clicks: Abstain stands alone, and no more
 * than the most choices. `say(text)` shows a message (null clears it).
 */
export function enforceChoiceRules(poll, fieldset, target, say) {
  if (usesRadios(poll) || !target || target.type !== "checkbox") {
    say(null);
    return;
  }
  const boxes = [...fieldset.querySelectorAll("input[type=checkbox]")];
  if (target.checked && target.dataset.role === "abstain") {
    for (const box of boxes) if (box !== target) box.checked = false;
    say(null);
    return;
  }
  if (target.checked) {
    for (const box of boxes) if (box.dataset.role === "abstain") box.checked = false;
    const chosen = boxes.filter((box) => box.checked).length;
    if (chosen > poll.max_choices) {
      target.checked = false;
      say(
        interpolate(
          ngettext(
            "You can choose at most %(n)s. Remove a choice first.",
            "You can choose at most %(n)s. Remove a choice first.",
            poll.max_choices,
          ),
          { n: formatNumber(poll.max_choices) },
        ),
      );
      return;
    }
  }
  say(null);
}

// --- turnout -----------------------------------------------------------------------

/**
 * The latest turnout of each poll. Turnout updates are not sequenced; each
 * carries the whole state and ballots only grow, so the one with the most
 * ballots wins (on a tie, the later one: it may carry the closing state).
 */
export class TurnoutBook {
  constructor() {
    this.byPoll = new Map();
  }

  merge(update) {
    if (!update || typeof update.poll_id !== "number") return false;
    const known = this.byPoll.get(update.poll_id);
    if (known && update.ballots < known.ballots) return false;
    this.byPoll.set(update.poll_id, update);
    return true;
  }

  get(pollId) {
    return this.byPoll.get(pollId) || null;
  }
}

export function turnoutSentence(turnout) {
  const text = ngettext(
    "%(ballots)s of %(entitled)s has voted",
    "%(ballots)s of %(entitled)s have voted",
    turnout.ballots,
  );
  return interpolate(text, {
    ballots: formatNumber(turnout.ballots),
    entitled: formatNumber(turnout.entitled),
  });
}

export function turnoutWithWeight(turnout) {
  return interpolate(_("%(ballots)s of %(entitled)s voted, weight %(weight)s of %(total)s"), {
    ballots: formatNumber(turnout.ballots),
    entitled: formatNumber(turnout.entitled),
    weight: formatWeight(turnout.weight),
    total: formatWeight(turnout.entitled_weight),
  });
}

/**
 * A turnout bar and its text table: the sentence as the caption, then voters
 * and weight (voted of entitled, share). The bar is hidden from screen readers.
 */
export function turnoutBar(turnout, text = turnoutWithWeight(turnout)) {
  const share = turnout.entitled ? Math.min(100, (100 * turnout.ballots) / turnout.entitled) : 0;
  const fill = el("span", { className: "bar-fill" });
  fill.style.inlineSize = `${share.toFixed(1)}%`;
  const bar = el("span", { className: "bar" }, fill);
  bar.setAttribute("aria-hidden", "true");
  const row = (label, voted, entitled) =>
    el(
      "tr",
      {},
      el("th", { scope: "row" }, label),
      el(
        "td",
        { className: "number" },
        interpolate(_("%(voted)s of %(entitled)s"), {
          voted: formatNumber(voted),
          entitled: formatNumber(entitled),
        }),
      ),
      el(
        "td",
        { className: "number" },
        formatPercent(Number(entitled) > 0 ? Number(voted) / Number(entitled) : 0, 0),
      ),
    );
  const table = el(
    "table",
    { className: "turnout-table" },
    el("caption", { className: "turnout-text" }, text),
    el(
      "thead",
      {},
      el(
        "tr",
        {},
        el("td", {}),
        el("th", { scope: "col", className: "number" }, _("Voted")),
        el("th", { scope: "col", className: "number" }, _("Share")),
      ),
    ),
    el(
      "tbody",
      {},
      row(_("Voters"), turnout.ballots, turnout.entitled),
      row(_("Weight"), turnout.weight, turnout.entitled_weight),
    ),
  );
  return el("div", { className: "turnout" }, table, bar);
}

// --- results -----------------------------------------------------------------------

function weightBar(weight, total) {
  const share = total > 0 ? Math.min(100, (100 * Number(weight)) / total) : 0;
  const fill = el("span", { className: "bar-fill" });
  fill.style.inlineSize = `${share.toFixed(1)}%`;
  const bar = el("span", { className: "bar" }, fill);
  bar.setAttribute("aria-hidden", "true");
  return bar;
}

/**
 * A text table (option, votes, weight) with a bar beside each row. `rows` are
 * {id, label, ballots, weight}; `winners` are marked in words, not colour only.
 */
export function resultsTable(rows, { caption, winners = [], winnerText = _("Winner") } = {}) {
  const total = Math.max(0, ...rows.map((row) => Number(row.weight) || 0));
  const head = el(
    "tr",
    {},
    el("th", { scope: "col" }, _("Option")),
    el("th", { scope: "col", className: "number" }, _("Votes")),
    el("th", { scope: "col", className: "number" }, _("Weight")),
  );
  const body = rows.map((row) => {
    const name = el("th", { scope: "row" }, row.label);
    if (winners.includes(row.id)) {
      name.append(" ", el("span", { className: "badge badge-now" }, winnerText));
    }
    return el(
      "tr",
      {},
      name,
      el("td", { className: "number" }, formatNumber(row.ballots)),
      el(
        "td",
        { className: "number" },
        el(
          "div",
          { className: "weight-box" },
          el("span", {}, formatWeight(row.weight)),
          weightBar(row.weight, total),
        ),
      ),
    );
  });
  return el(
    "table",
    { className: "results-table" },
    caption ? el("caption", {}, caption) : null,
    el("thead", {}, head),
    el("tbody", {}, ...body),
  );
}

/** Result rows with Yes, No and Abstain in the reader's language. */
function translatedRows(poll, rows) {
  const byId = new Map((poll.options || []).map((option) => [option.id, option]));
  return rows.map((row) => {
    const option = byId.get(row.id);
    return option ? { ...row, label: optionLabel({ ...option, label: row.label }) } : row;
  });
}

/** The result sentence in the page's language (kept in each site language). */
export function resultSentence(result) {
  return (result.sentences && result.sentences[pageLocale()]) || result.sentence || "";
}

/** A closed poll's result: the sentence, then the table. */
export function resultView(poll, { headingLevel = 3 } = {}) {
  if (poll.state === "decrypting") {
    // An encrypted poll closed: its totals wait for the tellers (k of them).
    return el(
      "div",
      { className: "result result-waiting" },
      el(`h${headingLevel}`, { className: "result-heading" }, _("Result")),
      el(
        "p",
        { className: "result-sentence", role: "status" },
        _("Waiting for the tellers to decrypt"),
      ),
    );
  }
  const result = poll.result;
  if (!result) return null;
  const winnerText = poll.kind === "election" ? _("Elected") : _("Winner");
  const winners = poll.kind === "motion" ? [] : result.winners || [];
  return el(
    "div",
    { className: "result" },
    el(`h${headingLevel}`, { className: "result-heading" }, _("Result")),
    el("p", { className: "result-sentence" }, resultSentence(result)),
    resultsTable(translatedRows(poll, result.options || []), {
      caption: interpolate(_("Votes on: %(title)s"), { title: poll.title }),
      winners,
      winnerText,
    }),
  );
}

/** A running tally (named polls with live results): rows from the poll's options. */
export function tallyTable(poll, tally) {
  const byId = new Map(tally.map((row) => [row.id, row]));
  const rows = poll.options.map((option) => ({
    id: option.id,
    label: optionLabel(option),
    ballots: (byId.get(option.id) || {}).ballots || 0,
    weight: (byId.get(option.id) || {}).weight || "0",
  }));
  return resultsTable(rows, { caption: _("Running tally (not final)") });
}

/** The open poll; with none open, the one closed last (cancelled ones aside). */
export function pollToShow(polls) {
  const open = polls.find((poll) => poll.state === "open");
  if (open) return open;
  const done = polls.filter((poll) => poll.state === "closed" || poll.state === "published");
  done.sort(
    (a, b) => String(a.closed_at || "").localeCompare(String(b.closed_at || "")) || a.id - b.id,
  );
  return done.length ? done[done.length - 1] : null;
}

/** mm:ss for a number of milliseconds (never below zero), in the page's digits. */
export function clock(ms) {
  return formatClock(ms);
}

/**
 * When an open poll closes, on this device's clock. The page carries the
 * server's time (data-server-time); the difference to the device's clock at
 * load corrects a phone or PC whose clock is wrong. A poll that opens while
 * the page watches uses its duration counted from the moment the event came.
 */
export class Deadlines {
  constructor(serverTimeMs) {
    this.offset = Number.isFinite(serverTimeMs) ? serverTimeMs - Date.now() : 0;
    this.byPoll = new Map();
  }

  /** Call when a poll payload arrives; `fresh` when it came by event just now. */
  note(poll, { fresh = false } = {}) {
    if (poll.state !== "open" || !poll.closes_at) {
      this.byPoll.delete(poll.id);
      return;
    }
    const closes = Date.parse(poll.closes_at);
    const key = `${poll.id}:${poll.closes_at}`;
    const known = this.byPoll.get(poll.id);
    if (known && known.key === key) return;
    let at = closes - this.offset;
    if (fresh && poll.opened_at) at = Date.now() + (closes - Date.parse(poll.opened_at));
    this.byPoll.set(poll.id, { key, at });
  }

  remaining(pollId) {
    const known = this.byPoll.get(pollId);
    return known ? known.at - Date.now() : null;
  }
}

/** The quorum in one sentence, numbers included. */
export function quorumSentence(quorum) {
  if (!quorum) return "";
  // Say only what is known: before anyone checks in (or where attendance is
  // not used) "present" would just mean "on the roster".
  const untracked = quorum.tracked === false;
  if (quorum.kind === "none" || quorum.required === null || quorum.required === undefined) {
    if (untracked) return _("No quorum is required; presence is not being tracked.");
    const text = ngettext(
      "No quorum is required (%(present)s of %(voters)s voter present).",
      "No quorum is required (%(present)s of %(voters)s voters present).",
      quorum.voters,
    );
    return interpolate(text, {
      present: formatNumber(quorum.attending ?? quorum.present),
      voters: formatNumber(quorum.voters),
    });
  }
  if (untracked) {
    return interpolate(
      quorum.met
        ? _("Quorum reached: presence is not being tracked, so all %(voters)s voters count.")
        : _("No quorum: presence is not being tracked, and all %(voters)s voters are not enough."),
      { voters: formatNumber(quorum.voters) },
    );
  }
  if (quorum.kind === "count") {
    return interpolate(
      quorum.met
        ? ngettext(
            "Quorum reached: %(present)s of %(voters)s voter present, %(required)s required.",
            "Quorum reached: %(present)s of %(voters)s voters present, %(required)s required.",
            quorum.voters,
          )
        : ngettext(
            "No quorum: %(present)s of %(voters)s voter present, %(required)s required.",
            "No quorum: %(present)s of %(voters)s voters present, %(required)s required.",
            quorum.voters,
          ),
      {
        present: formatNumber(quorum.present),
        voters: formatNumber(quorum.voters),
        required: formatNumber(quorum.required),
      },
    );
  }
  return interpolate(
    quorum.met
      ? _(
          "Quorum reached: weight %(present)s of %(total)s present, more than %(required)s required.",
        )
      : _("No quorum: weight %(present)s of %(total)s present, more than %(required)s required."),
    {
      present: formatWeight(quorum.present_weight),
      total: formatWeight(quorum.total_weight),
      required: formatWeight(quorum.required),
    },
  );
}
