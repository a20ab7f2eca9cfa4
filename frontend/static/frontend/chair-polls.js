// The chair console's polls: create, open (with a quorum override), close,
// cancel, publish, decide ties, enter paper ballots; quorum, turnout, the
// running tally; the meeting's voting settings. Commands go to the REST API;
// the polls shown come from the meeting socket.
import { decryptedSentence, tellerList } from "./ceremony.js";
import { formatNumber } from "./i18n.js";
import { el } from "./meeting-state.js";
import {
  _,
  TurnoutBook,
  checkedIds,
  choiceFieldset,
  enforceChoiceRules,
  formatWeight,
  interpolate,
  isYesNo,
  kindLabel,
  ngettext,
  pollStateLabel,
  quorumSentence,
  resultView,
  secrecyLabel,
  selectionError,
  tallyTable,
  turnoutBar,
} from "./voting.js";

const ROLL_REFRESH_MS = 2000;
const MAX_TELLERS = 5;

// The actions of meetings.permissions this viewer may take (the page lists
// them on <main data-may>): a clerk sees paper ballots, not open or close.
const MAY = new Set((document.getElementById("main")?.dataset.may || "").split(" "));
const may = (action) => MAY.has(action);

/** The card's first enabled control, or its heading (focusable by script only). */
function firstControl(card) {
  const control = card.querySelector(
    "button:not(:disabled), a[href], input:not(:disabled), select:not(:disabled), textarea",
  );
  if (control) return control;
  const heading = card.querySelector("h3");
  heading.tabIndex = -1;
  return heading;
}

function button(label, action, poll, { primary = false, danger = false, type = "button" } = {}) {
  const node = el(
    "button",
    {
      type,
      className: ["button button-small", primary && "button-primary", danger && "button-danger"]
        .filter(Boolean)
        .join(" "),
      id: `poll-${poll.id}-${action}`,
    },
    label,
  );
  node.dataset.pollAction = action;
  node.dataset.pollId = String(poll.id);
  node.setAttribute(
    "aria-label",
    interpolate(_("%(action)s: %(title)s"), { action: label, title: poll.title }),
  );
  return node;
}

function field(id, label, control, hint = null) {
  control.id = id;
  const box = el("div", { className: "field" }, el("label", { htmlFor: id }, label));
  if (hint) {
    const hintId = `${id}-hint`;
    box.append(el("p", { className: "hint", id: hintId }, hint));
    control.setAttribute("aria-describedby", hintId);
  }
  box.append(control);
  return box;
}

export class PollsConsole {
  constructor({ root, api, command, state, resync = () => {} }) {
    this.root = root;
    this.resync = resync;
    this.api = api;
    this.command = command;
    this.list = root.querySelector("#polls");
    this.empty = root.querySelector("#polls-empty");
    this.createForm = root.querySelector("#create-poll");
    this.createStatus = root.querySelector("#create-poll-status");
    this.quorum = document.getElementById("quorum-status");
    this.settingsForm = document.getElementById("voting-settings");
    this.settingsStatus = document.getElementById("voting-settings-status");
    this.turnout = new TurnoutBook();
    // poll id -> what the chair is typing: {minutes, needsReason, reason,
    // quorumMessage, cancelling, cancelReason, paper}
    this.ui = new Map();
    this.rolls = new Map(); // poll id -> {entries, loading, error, loadedAt}
    this.rollTimers = new Map(); // poll id -> pending re-read of the roll
    this.turnoutRead = new Set(); // open polls whose turnout was read from the API
    this.cards = new Map(); // poll id -> {key, node}
    this.ceremonies = new Map(); // encrypted poll id -> GET tellers/ (or {error})
    this.participants = null; // the roster, for naming tellers (loaded once)
    this.state = state;
    if (state.turnout) this.turnout.merge(state.turnout);
    this.list.addEventListener("click", (event) => this.onClick(event));
    this.list.addEventListener("input", (event) => this.onInput(event));
    this.list.addEventListener("change", (event) => this.onInput(event));
    this.list.addEventListener("submit", (event) => this.onSubmit(event));
    this.createForm.addEventListener("submit", (event) => this.onCreate(event));
    this.createForm.addEventListener("change", () => this.syncCreateForm());
    this.settingsForm.addEventListener("submit", (event) => this.onSettings(event));
    this.settingsForm.addEventListener("change", () => this.syncSettingsForm());
    this.syncCreateForm();
    this.syncSettingsForm();
  }

  uiFor(pollId) {
    if (!this.ui.has(pollId)) {
      this.ui.set(pollId, {
        minutes: "",
        needsReason: false,
        reason: "",
        quorumMessage: "",
        cancelling: false,
        cancelReason: "",
        paper: { entry: "", choices: [], message: "", done: "" },
        tellers: { ids: Array(MAX_TELLERS).fill(""), threshold: "2", message: "" },
      });
    }
    return this.ui.get(pollId);
  }

  // --- following the meeting ---------------------------------------------------------

  onSnapshot(snapshot) {
    if (snapshot.turnout) this.turnout.merge(snapshot.turnout);
    for (const [pollId, roll] of this.rolls) {
      if (!roll.loading) this.loadRoll(pollId); // votes may have come in while away
    }
  }

  onEvent(event) {
    if (event.type === "poll.paper_ballot") this.loadRoll(event.poll_id);
    if (event.type === "poll.changed" && event.poll.state !== "open")
      this.rolls.delete(event.poll.id);
    // A teller's step, a close or a decryption: the ceremony's view anew.
    if (event.type === "poll.changed" && event.poll.encrypted) this.loadCeremony(event.poll.id);
  }

  onMessage(message) {
    if (message.type === "poll.turnout" && this.turnout.merge(message)) {
      this.renderTurnout(message.poll_id);
      this.rollMaybeStale(message.poll_id, message.ballots);
    }
  }

  /** Phones voted since the roll was read: read it again, at most every 2 s. */
  rollMaybeStale(pollId, ballots) {
    const roll = this.rolls.get(pollId);
    if (!roll || !roll.entries || this.rollTimers.has(pollId)) return;
    if (roll.entries.filter((entry) => entry.voted).length >= ballots) return;
    const wait = Math.max(0, ROLL_REFRESH_MS - (Date.now() - (roll.loadedAt || 0)));
    this.rollTimers.set(
      pollId,
      window.setTimeout(() => {
        this.rollTimers.delete(pollId);
        this.loadRoll(pollId);
      }, wait),
    );
  }

  // --- rendering --------------------------------------------------------------------

  render(state) {
    this.state = state;
    this.quorum.textContent = quorumSentence(state.quorum);
    this.quorum.dataset.met = state.quorum && state.quorum.met ? "yes" : "no";
    this.renderAgendaSelect();
    const polls = state.polls || [];
    this.empty.hidden = polls.length > 0;
    const active = document.activeElement;
    const focusId = active && this.list.contains(active) ? active.id : null;
    const nodes = polls
      .slice()
      .reverse()
      .map((poll) => this.card(poll));
    const changed =
      nodes.length !== this.list.children.length ||
      nodes.some((node, index) => this.list.children[index] !== node);
    if (changed) this.list.replaceChildren(...nodes);
    if (focusId && !this.list.contains(document.activeElement)) {
      const again = document.getElementById(focusId);
      if (again) again.focus();
    }
    for (const poll of polls) {
      if (poll.encrypted && !this.ceremonies.has(poll.id)) this.loadCeremony(poll.id);
      if (poll.state !== "open") continue;
      if (!this.rolls.has(poll.id)) this.loadRoll(poll.id);
      if (!this.turnoutRead.has(poll.id)) this.loadTurnout(poll.id);
    }
  }

  card(poll) {
    const key = JSON.stringify([
      poll,
      this.ui.get(poll.id) || null,
      this.rolls.get(poll.id) || null,
      this.ceremonies.get(poll.id) || null,
      this.participants,
    ]);
    const cached = this.cards.get(poll.id);
    if (cached && cached.key === key) return cached.node;
    const node = this.pollView(poll);
    const old = cached ? cached.node : null;
    this.cards.set(poll.id, { key, node });
    if (old && old.parentNode) {
      const active = document.activeElement;
      const hadFocus = Boolean(active && old.contains(active));
      const focusId = hadFocus ? active.id : null;
      old.replaceWith(node);
      if (hadFocus) {
        // The focused control may be gone (Open became Close): keyboard users
        // stay in the card, on the same control or on its first one.
        const again = (focusId && document.getElementById(focusId)) || firstControl(node);
        again.focus();
      }
    }
    return node;
  }

  refresh(pollId) {
    const poll = (this.state.polls || []).find((p) => p.id === pollId);
    if (poll) this.card(poll);
  }

  pollView(poll) {
    const ui = this.uiFor(poll.id);
    const titleId = `chair-poll-${poll.id}-title`;
    const card = el("article", {
      className: `poll-item is-${poll.state}`,
      id: `chair-poll-${poll.id}`,
    });
    card.setAttribute("aria-labelledby", titleId);
    card.append(
      el("h3", { id: titleId }, poll.title),
      el(
        "p",
        { className: "meta" },
        el(
          "span",
          { className: `badge poll-state state-${poll.state}` },
          pollStateLabel(poll.state),
        ),
        " ",
        [kindLabel(poll.kind), secrecyLabel(poll.secrecy)].join(" · "),
      ),
    );
    if (poll.description) card.append(el("p", { className: "item-description" }, poll.description));

    if (poll.encrypted && ["draft", "decrypting"].includes(poll.state))
      card.append(this.ceremonyView(poll));
    if (poll.state === "draft" && poll.secrecy === "secret" && may("poll.tellers"))
      card.append(this.tellersForm(poll, ui));
    if (poll.state === "draft" && may("poll.open")) card.append(this.openForm(poll, ui));
    if (poll.state === "open") {
      card.append(
        el("div", { id: `chair-turnout-${poll.id}`, className: "chair-turnout" }),
        el("div", { id: `chair-tally-${poll.id}` }),
      );
      if (may("poll.close"))
        card.append(
          el(
            "div",
            { className: "button-row" },
            button(_("Close"), "close", poll, { primary: true }),
          ),
        );
    }
    // An encrypted poll whose tellers cannot decrypt can be cancelled too.
    if (["draft", "open", "decrypting"].includes(poll.state) && may("poll.cancel")) {
      card.append(this.cancelForm(poll, ui));
    }
    if (poll.state === "open" && may("ballot.paper")) card.append(this.paperPanel(poll, ui));
    if (poll.state === "closed" || poll.state === "published") {
      const result = resultView(poll, { headingLevel: 4 });
      if (result) card.append(result);
      if (poll.result && poll.result.tied && poll.result.tied.length && may("poll.decide_tie"))
        card.append(this.tieForm(poll));
      if (poll.state === "published") {
        // Publishing is visible: say so, and lead to where members now read it.
        const meetingId = document.querySelector("main").dataset.meetingId;
        card.append(
          el(
            "p",
            { className: "published-note" },
            _("Published on the bulletin board."),
            " ",
            el(
              "a",
              { href: `/meetings/${meetingId}/board/#board-poll-${poll.id}` },
              _("See it on the board"),
            ),
          ),
        );
      }
      const links = el("p", { className: "button-row" });
      if (poll.state === "closed" && may("poll.publish"))
        links.append(button(_("Publish"), "publish", poll, { primary: true }));
      if (poll.secrecy === "named") {
        const csv = el(
          "a",
          { href: `/api/polls/${poll.id}/ballots.csv`, className: "button button-small" },
          _("Ballots (CSV)"),
        );
        csv.setAttribute(
          "aria-label",
          interpolate(_("Ballots (CSV): %(title)s"), { title: poll.title }),
        );
        links.append(csv);
      }
      card.append(links);
    }
    if (poll.state === "cancelled") {
      card.append(
        el("p", {}, interpolate(_("Cancelled: %(reason)s"), { reason: poll.cancel_reason })),
      );
    }
    if (poll.state === "open") {
      // filled in place by turnout updates
      window.queueMicrotask(() => this.renderTurnout(poll.id));
    }
    return card;
  }

  /** An encrypted poll's tellers: each one's step, the fingerprint, what waits. */
  ceremonyView(poll) {
    const box = el("section", { className: "ceremony-view" });
    const headingId = `poll-${poll.id}-tellers-heading`;
    box.setAttribute("aria-labelledby", headingId);
    box.append(el("h4", { id: headingId }, _("Tellers and the poll's key")));
    const ceremony = this.ceremonies.get(poll.id);
    if (!ceremony) return box;
    if (ceremony.error) {
      box.append(el("p", { className: "alert" }, ceremony.error));
      return box;
    }
    const n = ceremony.tellers.length;
    const k = ceremony.threshold;
    let line;
    if (poll.state === "decrypting") {
      line = `${interpolate(_("Waiting for %(k)s of %(n)s tellers to decrypt."), {
        k: formatNumber(k),
        n: formatNumber(n),
      })} ${decryptedSentence(ceremony)}`;
    } else if (ceremony.public_key) {
      line = _("The key is ready: the poll can open once the tellers have compared the fingerprint.");
    } else {
      line = interpolate(
        _("%(k)s of %(n)s tellers must decrypt. The poll opens once every teller is ready."),
        { k: formatNumber(k), n: formatNumber(n) },
      );
    }
    const list = el("ol", { className: "teller-list" });
    tellerList(list, ceremony);
    list.setAttribute(
      "aria-label",
      interpolate(_("Tellers: %(title)s"), { title: poll.title }),
    );
    box.append(el("p", { role: "status" }, line), list);
    if (ceremony.fingerprint && poll.state === "draft") {
      box.append(
        el(
          "p",
          {},
          _("Fingerprint:"),
          " ",
          el("code", { className: "fingerprint", dir: "ltr" }, ceremony.fingerprint),
        ),
      );
    }
    return box;
  }

  /** Name 3 to 5 participants as tellers (their order: numbers 1..n) and k. */
  tellersForm(poll, ui) {
    const box = el("details", { className: "tellers-form" });
    box.open = Boolean(ui.tellers.open);
    box.dataset.pollId = String(poll.id);
    box.addEventListener("toggle", () => {
      ui.tellers.open = box.open;
      if (box.open && this.participants === null) this.loadParticipants(poll.id);
    });
    box.append(
      el(
        "summary",
        {},
        poll.encrypted ? _("Name the tellers again") : _("Encrypt the ballots: name tellers"),
      ),
    );
    const form = el("form", { className: "stack" });
    form.dataset.pollId = String(poll.id);
    form.dataset.form = "tellers";
    form.append(
      el(
        "p",
        { className: "hint" },
        _("Name 3 to 5 tellers from the meeting. Ballots are then encrypted on the phones, and only enough tellers together can decrypt the totals. Naming them again starts their key over."),
      ),
    );
    const people = this.participants || [];
    const row = el("div", { className: "tellers-grid" });
    for (let i = 0; i < MAX_TELLERS; i += 1) {
      const select = el("select", { name: `teller-${i}` });
      select.append(el("option", { value: "" }, i < 3 ? _("Choose a teller") : _("None")));
      for (const p of people) {
        select.append(
          el("option", { value: String(p.id), selected: ui.tellers.ids[i] === String(p.id) }, p.full_name),
        );
      }
      row.append(
        field(
          `poll-${poll.id}-teller-${i + 1}`,
          interpolate(_("Teller %(n)s"), { n: formatNumber(i + 1) }),
          select,
        ),
      );
    }
    const threshold = el("input", {
      type: "number",
      min: 1,
      max: MAX_TELLERS,
      step: 1,
      inputMode: "numeric",
      name: "threshold",
    });
    threshold.value = ui.tellers.threshold;
    form.append(
      row,
      field(
        `poll-${poll.id}-threshold`,
        _("Tellers needed to decrypt"),
        threshold,
        _("For example 2 of 3: one teller missing at the close does not block the result."),
      ),
      el("p", { className: "field-error tellers-message", role: "alert" }, ui.tellers.message),
      el(
        "div",
        { className: "button-row" },
        button(_("Name the tellers"), "tellers", poll, { primary: true, type: "submit" }),
        poll.encrypted ? button(_("Remove the tellers"), "tellers-none", poll) : null,
      ),
    );
    box.append(form);
    return box;
  }

  async loadParticipants(pollId) {
    try {
      this.participants = await this.api("GET", "participants/");
    } catch (error) {
      this.participants = [];
      this.uiFor(pollId).tellers.message = error.message;
    }
    this.refresh(pollId);
  }

  async loadCeremony(pollId) {
    try {
      this.ceremonies.set(pollId, await this.api("GET", `/api/polls/${pollId}/tellers/`));
    } catch (error) {
      this.ceremonies.set(pollId, { error: error.message });
    }
    this.refresh(pollId);
  }

  nameTellers(poll, ui, ids) {
    const threshold = ids.length ? Number(ui.tellers.threshold) : null;
    ui.tellers.message = "";
    this.command(
      async () => {
        const ceremony = await this.api("POST", `/api/polls/${poll.id}/tellers/`, {
          participants: ids,
          threshold,
        });
        this.ceremonies.set(poll.id, ceremony);
        ui.tellers.open = false;
        this.refresh(poll.id);
      },
      {
        handle: (error) => {
          if (!error.status || error.status >= 500) return false;
          ui.tellers.message = error.message;
          this.refresh(poll.id);
          return true;
        },
      },
    );
  }

  openForm(poll, ui) {
    const form = el("form", { className: "stack open-form" });
    form.dataset.pollId = String(poll.id);
    form.dataset.form = "open";
    const minutes = el("input", {
      type: "number",
      min: 1,
      max: 1440,
      step: 1,
      inputMode: "numeric",
      name: "minutes",
      value: ui.minutes,
    });
    form.append(
      field(
        `poll-${poll.id}-minutes`,
        _("Voting time in minutes (optional)"),
        minutes,
        _("Leave empty to close the poll by hand."),
      ),
    );
    if (ui.needsReason) {
      const reason = el("textarea", { name: "reason", rows: 2, required: true, value: ui.reason });
      reason.value = ui.reason;
      form.append(
        el("p", { className: "alert", role: "alert" }, ui.quorumMessage),
        field(`poll-${poll.id}-reason`, _("Reason to open without quorum"), reason),
        el(
          "div",
          { className: "button-row" },
          button(_("Open without quorum"), "open", poll, { primary: true, type: "submit" }),
        ),
      );
    } else {
      form.append(
        el(
          "div",
          { className: "button-row" },
          button(_("Open"), "open", poll, { primary: true, type: "submit" }),
        ),
      );
    }
    return form;
  }

  cancelForm(poll, ui) {
    if (!ui.cancelling) {
      return el(
        "div",
        { className: "button-row" },
        button(_("Cancel poll"), "cancel", poll, { danger: true }),
      );
    }
    const form = el("form", { className: "stack cancel-form" });
    form.dataset.pollId = String(poll.id);
    form.dataset.form = "cancel";
    const reason = el("textarea", { name: "cancelReason", rows: 2, required: true });
    reason.value = ui.cancelReason;
    form.append(
      field(`poll-${poll.id}-cancel-reason`, _("Reason for cancelling"), reason),
      el(
        "div",
        { className: "button-row" },
        button(_("Cancel the poll"), "confirm-cancel", poll, { danger: true, type: "submit" }),
        button(_("Keep the poll"), "keep", poll),
      ),
    );
    return form;
  }

  tieForm(poll) {
    const tied = poll.result.tied;
    const form = el("form", { className: "stack tie-form" });
    form.dataset.pollId = String(poll.id);
    form.dataset.form = "tie";
    if (isYesNo(poll)) {
      form.append(
        el("p", {}, _("The vote is tied. The chair decides whether it is carried.")),
        el(
          "div",
          { className: "button-row" },
          button(_("Carry"), "tie-carry", poll, { primary: true }),
          button(_("Reject"), "tie-reject", poll, { danger: true }),
        ),
      );
      return form;
    }
    const seats = Number(poll.result.seats_open) || 1;
    const fieldset = el(
      "fieldset",
      { className: "choices" },
      el(
        "legend",
        {},
        interpolate(
          ngettext(
            "The chair chooses %(n)s of the tied options",
            "The chair chooses %(n)s of the tied options",
            seats,
          ),
          { n: formatNumber(seats) },
        ),
      ),
    );
    for (const option of poll.options.filter((o) => tied.includes(o.id))) {
      const id = `poll-${poll.id}-tie-${option.id}`;
      fieldset.append(
        el(
          "label",
          { htmlFor: id, className: "choice" },
          el("input", { type: "checkbox", id, value: String(option.id), name: "winners" }),
          el("span", { className: "choice-label" }, option.label),
        ),
      );
    }
    form.append(
      fieldset,
      el(
        "div",
        { className: "button-row" },
        button(_("Record the decision"), "tie-decide", poll, { primary: true, type: "submit" }),
      ),
    );
    return form;
  }

  paperPanel(poll, ui) {
    const headingId = `poll-${poll.id}-paper-heading`;
    const panel = el("section", { className: "paper-panel" });
    panel.setAttribute("aria-labelledby", headingId);
    panel.append(
      el("h4", { id: headingId }, _("Paper ballots")),
      el(
        "p",
        { className: "hint" },
        _(
          "Enter the ballot of a voter who votes on paper or with help. That vote can then no longer be cast by phone.",
        ),
      ),
    );
    const roll = this.rolls.get(poll.id);
    if (!roll || (roll.loading && !roll.entries)) {
      panel.append(el("p", { role: "status" }, _("Loading the roll…")));
      return panel;
    }
    if (roll.error) panel.append(el("p", { className: "alert" }, roll.error));
    const waiting = (roll.entries || []).filter((entry) => !entry.voted);
    panel.append(
      el(
        "p",
        {},
        interpolate(
          ngettext(
            "%(n)s on the roll has not voted yet.",
            "%(n)s on the roll have not voted yet.",
            waiting.length,
          ),
          {
            n: formatNumber(waiting.length),
          },
        ),
      ),
    );
    if (ui.paper.done)
      panel.append(el("p", { role: "status", className: "status-ok" }, ui.paper.done));
    if (waiting.length) {
      const form = el("form", { className: "stack paper-form" });
      form.dataset.pollId = String(poll.id);
      form.dataset.form = "paper";
      const select = el("select", { name: "entry", required: true });
      select.append(el("option", { value: "" }, _("Choose a voter")));
      for (const entry of waiting) {
        const label = entry.proxy
          ? interpolate(_("%(name)s (%(number)s), cast by %(caster)s"), {
              name: entry.name,
              number: entry.member_number || "—",
              caster: entry.caster_name,
            })
          : interpolate(_("%(name)s (%(number)s)"), {
              name: entry.name,
              number: entry.member_number || "—",
            });
        select.append(
          el(
            "option",
            {
              value: String(entry.roll_entry_id),
              selected: String(entry.roll_entry_id) === ui.paper.entry,
            },
            label,
          ),
        );
      }
      const prefix = `paper-${poll.id}`;
      form.append(
        field(`${prefix}-entry`, _("Voter"), select),
        choiceFieldset(poll, {
          prefix,
          legend: _("Choice on the paper ballot"),
          selected: ui.paper.choices,
        }),
        el("p", { className: "field-error paper-message", role: "alert" }, ui.paper.message),
        el(
          "div",
          { className: "button-row" },
          button(_("Enter paper ballot"), "paper", poll, { primary: true, type: "submit" }),
          button(_("Refresh the list"), "paper-refresh", poll),
        ),
      );
      panel.append(form);
    } else {
      panel.append(
        el(
          "div",
          { className: "button-row" },
          button(_("Refresh the list"), "paper-refresh", poll),
        ),
      );
    }
    return panel;
  }

  renderTurnout(pollId) {
    const box = document.getElementById(`chair-turnout-${pollId}`);
    const turnout = this.turnout.get(pollId);
    if (!box || !turnout) return;
    box.replaceChildren(turnoutBar(turnout));
    const tally = document.getElementById(`chair-tally-${pollId}`);
    if (tally)
      tally.replaceChildren(
        ...(Array.isArray(turnout.tally) ? [tallyTable(this.pollById(pollId), turnout.tally)] : []),
      );
  }

  pollById(pollId) {
    return (this.state.polls || []).find((p) => p.id === pollId);
  }

  renderAgendaSelect() {
    const select = this.createForm.querySelector("[name=agenda_item_id]");
    const value = select.value;
    const items = this.state.agenda || [];
    const same =
      select.options.length === items.length + 1 &&
      items.every(
        (item, i) =>
          select.options[i + 1].value === String(item.id) &&
          select.options[i + 1].textContent === item.title,
      );
    if (same) return;
    select.replaceChildren(
      el("option", { value: "" }, _("None")),
      ...items.map((item) => el("option", { value: String(item.id) }, item.title)),
    );
    select.value = items.some((item) => String(item.id) === value) ? value : "";
  }

  /**
   * Turnout updates come with ballots: the opening numbers (and the running
   * tally of a named live poll) are read from the API; failing that, from a
   * fresh snapshot.
   */
  async loadTurnout(pollId) {
    this.turnoutRead.add(pollId);
    try {
      const data = await this.api("GET", `/api/polls/${pollId}/turnout/`);
      if (this.turnout.merge({ ...data, poll_id: pollId })) this.renderTurnout(pollId);
    } catch {
      this.resync();
    }
  }

  // --- the roll, for paper ballots --------------------------------------------------------

  async loadRoll(pollId) {
    const known = this.rolls.get(pollId) || {};
    this.rolls.set(pollId, { ...known, loading: true });
    try {
      const entries = await this.api("GET", `/api/polls/${pollId}/roll/`);
      this.rolls.set(pollId, { entries, loading: false, error: "", loadedAt: Date.now() });
    } catch (error) {
      this.rolls.set(pollId, {
        entries: known.entries || [],
        loading: false,
        error: error.message,
        loadedAt: Date.now(),
      });
    }
    this.refresh(pollId);
  }

  // --- commands ------------------------------------------------------------------------------

  onInput(event) {
    const form = event.target.closest("form[data-poll-id]");
    if (!form) return;
    const pollId = Number(form.dataset.pollId);
    const ui = this.uiFor(pollId);
    const target = event.target;
    if (form.dataset.form === "open") {
      if (target.name === "minutes") ui.minutes = target.value;
      if (target.name === "reason") ui.reason = target.value;
    } else if (form.dataset.form === "cancel") {
      if (target.name === "cancelReason") ui.cancelReason = target.value;
    } else if (form.dataset.form === "tellers") {
      if (ui.tellers.message) {
        ui.tellers.message = ""; // the refusal was about what is being changed
        form.querySelector(".tellers-message").textContent = "";
      }
      if (target.name.startsWith("teller-")) ui.tellers.ids[Number(target.name.slice(7))] = target.value;
      if (target.name === "threshold") ui.tellers.threshold = target.value;
    } else if (form.dataset.form === "paper") {
      if (target.name === "entry") ui.paper.entry = target.value;
      if (event.type === "change" && (target.type === "checkbox" || target.type === "radio")) {
        const poll = this.pollById(pollId);
        const message = form.querySelector(".paper-message");
        enforceChoiceRules(poll, form.querySelector("fieldset"), target, (text) => {
          message.textContent = text || "";
        });
        ui.paper.choices = checkedIds(form.querySelector("fieldset"));
      }
    }
  }

  onClick(event) {
    const node = event.target.closest("button[data-poll-action]");
    if (!node || node.type === "submit") return;
    const pollId = Number(node.dataset.pollId);
    const poll = this.pollById(pollId);
    if (!poll) return;
    const ui = this.uiFor(pollId);
    const path = `/api/polls/${pollId}/`;
    switch (node.dataset.pollAction) {
      case "close":
        // Closing cannot be undone: ballots not yet cast are lost to the poll.
        if (!window.confirm(interpolate(_("Close the poll “%(title)s” now? No more ballots will be accepted."), { title: poll.title })))
          break;
        this.command(() => this.api("POST", `${path}close/`));
        break;
      case "publish":
        this.command(() => this.api("POST", `${path}publish/`));
        break;
      case "cancel":
        ui.cancelling = true;
        this.refresh(pollId);
        document.getElementById(`poll-${pollId}-cancel-reason`).focus();
        break;
      case "keep":
        ui.cancelling = false;
        this.refresh(pollId);
        document.getElementById(`poll-${pollId}-cancel`).focus();
        break;
      case "tie-carry":
      case "tie-reject": {
        const yes = poll.options.find((o) => o.role === "yes" || o.role === "candidate");
        const winners = node.dataset.pollAction === "tie-carry" && yes ? [yes.id] : [];
        this.command(() => this.api("POST", `${path}decide-tie/`, { winners }));
        break;
      }
      case "tellers-none":
        this.nameTellers(poll, ui, []);
        break;
      case "paper-refresh":
        ui.paper.done = "";
        this.loadRoll(pollId);
        break;
      default:
        break;
    }
  }

  onSubmit(event) {
    const form = event.target.closest("form[data-poll-id]");
    if (!form) return;
    event.preventDefault();
    const pollId = Number(form.dataset.pollId);
    const poll = this.pollById(pollId);
    if (!poll) return;
    const ui = this.uiFor(pollId);
    const path = `/api/polls/${pollId}/`;
    switch (form.dataset.form) {
      case "open":
        this.open(poll, ui);
        break;
      case "cancel": {
        const reason = ui.cancelReason.trim();
        if (!reason) {
          document.getElementById(`poll-${pollId}-cancel-reason`).focus();
          return;
        }
        this.command(async () => {
          await this.api("POST", `${path}cancel/`, { reason });
          ui.cancelling = false;
        });
        break;
      }
      case "tie": {
        const winners = checkedIds(form);
        this.command(() => this.api("POST", `${path}decide-tie/`, { winners }));
        break;
      }
      case "paper":
        this.enterPaper(poll, ui, form);
        break;
      case "tellers":
        this.nameTellers(poll, ui, ui.tellers.ids.filter(Boolean).map(Number));
        break;
      default:
        break;
    }
  }

  open(poll, ui) {
    const body = {};
    const minutes = Number(ui.minutes);
    if (ui.minutes !== "" && (!Number.isFinite(minutes) || minutes <= 0)) {
      this.command(() =>
        Promise.reject(new Error(_("The voting time must be a number of minutes."))),
      );
      return;
    }
    if (ui.minutes !== "") body.duration_seconds = Math.round(minutes * 60);
    if (ui.needsReason) {
      if (!ui.reason.trim()) {
        document.getElementById(`poll-${poll.id}-reason`).focus();
        return;
      }
      body.quorum_override_reason = ui.reason.trim();
    }
    this.command(
      async () => {
        await this.api("POST", `/api/polls/${poll.id}/open/`, body);
        Object.assign(ui, { needsReason: false, reason: "", quorumMessage: "" });
      },
      {
        handle: (error) => {
          if (error.code !== "no_quorum") return false;
          Object.assign(ui, { needsReason: true, quorumMessage: error.message });
          this.refresh(poll.id);
          document.getElementById(`poll-${poll.id}-reason`).focus();
          return true;
        },
      },
    );
  }

  enterPaper(poll, ui, form) {
    const entry = ui.paper.entry;
    const choices = checkedIds(form.querySelector("fieldset"));
    const problem = !entry ? _("Choose the voter first.") : selectionError(poll, choices);
    if (problem) {
      form.querySelector(".paper-message").textContent = problem;
      return;
    }
    const roll = this.rolls.get(poll.id);
    const who = ((roll && roll.entries) || []).find((e) => String(e.roll_entry_id) === entry);
    this.command(
      async () => {
        await this.api("POST", `/api/polls/${poll.id}/paper-ballots/`, {
          roll_entry_id: Number(entry),
          choices,
        });
        ui.paper = {
          entry: "",
          choices: [],
          message: "",
          done: interpolate(_("Paper ballot entered for %(name)s."), {
            name: who ? who.name : entry,
          }),
        };
        await this.loadRoll(poll.id);
      },
      {
        handle: (error) => {
          if (!error.code) return false;
          ui.paper.message = error.message;
          ui.paper.done = "";
          this.loadRoll(poll.id);
          return true;
        },
      },
    );
  }

  // --- creating a poll ---------------------------------------------------------------------------

  syncCreateForm() {
    const form = this.createForm;
    const kind = form.elements.kind.value;
    for (const box of form.querySelectorAll("[data-show-for]")) {
      const show = box.dataset.showFor.split(" ").includes(kind);
      box.hidden = !show;
      for (const control of box.querySelectorAll("input, textarea, select"))
        control.disabled = !show;
    }
    const optionsLabel = form.querySelector("label[for=poll-options]");
    optionsLabel.textContent =
      kind === "election" ? _("Candidates, one per line") : _("Options, one per line");
    const secret = form.elements.secrecy.value === "secret";
    const live = form.elements.results_visibility.querySelector("option[value=live]");
    live.disabled = secret;
    if (secret) form.elements.results_visibility.value = "hidden";
  }

  onCreate(event) {
    event.preventDefault();
    const form = this.createForm;
    const data = new FormData(form);
    const kind = data.get("kind");
    const number = (name, fallback) => {
      const value = data.get(name);
      return value === null || value === "" ? fallback : Number(value);
    };
    const body = {
      title: String(data.get("title") || "").trim(),
      description: String(data.get("description") || ""),
      kind,
      options:
        kind === "motion"
          ? []
          : String(data.get("options") || "")
              .split("\n")
              .map((line) => line.trim())
              .filter(Boolean),
      secrecy: data.get("secrecy"),
      results_visibility: data.get("results_visibility"),
      allow_remote: data.get("allow_remote") === "on",
      majority: data.get("majority"),
      base: data.get("base"),
      tie_rule: data.get("tie_rule"),
      close_when_all_voted: data.get("close_when_all_voted") === "on",
      agenda_item_id: data.get("agenda_item_id") ? Number(data.get("agenda_item_id")) : null,
    };
    if (kind === "multiple") {
      body.min_choices = number("min_choices", 1);
      body.max_choices = number("max_choices", null);
      if (body.max_choices === null) delete body.max_choices;
    }
    if (kind === "election") body.seats = number("seats", 1);
    this.createStatus.textContent = "";
    this.command(async () => {
      const poll = await this.api("POST", "polls/", body);
      form.reset();
      this.syncCreateForm();
      this.createStatus.textContent = interpolate(_("Poll created: %(title)s"), {
        title: poll.title,
      });
      form.elements.title.focus();
    });
  }

  // --- voting settings --------------------------------------------------------------------------

  syncSettingsForm() {
    const form = this.settingsForm;
    const kind = form.elements.quorum_kind.value;
    for (const box of form.querySelectorAll("[data-show-for]")) {
      const show = box.dataset.showFor.split(" ").includes(kind);
      box.hidden = !show;
      for (const control of box.querySelectorAll("input")) control.disabled = !show;
    }
  }

  onSettings(event) {
    event.preventDefault();
    const form = this.settingsForm;
    const data = new FormData(form);
    const kind = data.get("quorum_kind");
    const body = {
      quorum_kind: kind,
      requires_presence: data.get("requires_presence") === "on",
      proxy_limit: Number(data.get("proxy_limit") || 0),
    };
    if (kind === "count") body.quorum_count = Number(data.get("quorum_count") || 0);
    if (kind === "share") body.quorum_share = String(data.get("quorum_share") || "0");
    this.settingsStatus.textContent = "";
    this.command(async () => {
      await this.api("PATCH", "voting-settings/", body);
      this.settingsStatus.textContent = _("Voting settings saved.");
    });
  }
}
