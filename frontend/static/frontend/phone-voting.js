// Voting on the phone: the open poll's ballot (one per roll entry the voter
// casts: their own and each proxy they carry), a review step, and a receipt.
//
// A ballot is never lost or doubled: before it is sent, it is stored in
// localStorage with its receipt code; it is re-sent with the SAME code until
// the server acknowledges it (the code is the server's idempotency key), also
// after a reload or a reconnect. Only then is the receipt kept and the
// pending ballot dropped.
//
// It goes over the meeting socket when that is open. When it is not (a
// network that refuses WebSockets), or no answer came in time, the same
// ballot goes to the REST endpoint too: whichever answers first gives the
// receipt, and the server counts it once.
//
// On an encrypted poll the phone encrypts the choices first (encrypted-ballot.js,
// loaded only then) and the pending ballot keeps the encrypted ballot itself: a
// resend sends the same ciphertexts under the same nonce, never a new encryption,
// so the server answers with the same receipt, the ballot's tracker.
import { el } from "./meeting-state.js";
import { ApiError, csrfToken, request } from "./api.js";
import { rememberHeads } from "./seen-heads.js";
import {
  _,
  TurnoutBook,
  checkedIds,
  choiceFieldset,
  choiceHint,
  enforceChoiceRules,
  formatReceipt,
  formatWeight,
  interpolate,
  newBallotNonce,
  optionLabels,
  resultView,
  selectionError,
  turnoutSentence,
} from "./voting.js";

/** A pending ballot's nonce (stored by older pages as `receipt_code`). */
function nonceOf(ballot) {
  return ballot.nonce || ballot.receipt_code;
}

// Roles that vote (the server's VOTING_ROLES).
const VOTING_ROLES = new Set(["voter", "chair"]);
// No answer this long after a send: send again, over the socket and over HTTP.
const FIRST_RETRY_MS = 4000;
const MAX_RETRY_MS = 15000;
// The socket refuses frames over 16 KiB (live/consumer.py MAX_MESSAGE_BYTES): a
// larger ballot (an encrypted one with many options) goes over HTTP only.
const SOCKET_MAX_BYTES = 16384;
const encoder = new TextEncoder();
// Error codes after which re-sending cannot help.
const FINAL_ERRORS = new Set([
  "already_voted",
  "ballot_refused",
  "replayed",
  "encrypted_only",
  "not_encrypted",
  "receipt_conflict",
  "poll_not_open",
  "not_on_roll",
  "forbidden",
  "not_found",
  "invalid",
  "bad_message",
]);

/** localStorage that degrades to memory when the browser refuses it. */
class Store {
  constructor(storage) {
    this.storage = storage;
    this.memory = new Map();
  }

  get(key) {
    try {
      const text = this.storage ? this.storage.getItem(key) : this.memory.get(key);
      return text ? JSON.parse(text) : null;
    } catch {
      return this.memory.has(key) ? JSON.parse(this.memory.get(key)) : null;
    }
  }

  set(key, value) {
    const text = JSON.stringify(value);
    this.memory.set(key, text);
    try {
      if (this.storage) this.storage.setItem(key, text);
    } catch {
      // full or forbidden: the copy in memory still covers this page's life
    }
  }

  remove(key) {
    this.memory.delete(key);
    try {
      if (this.storage) this.storage.removeItem(key);
    } catch {
      // nothing to do
    }
  }

  keys(prefix) {
    const found = new Set([...this.memory.keys()].filter((key) => key.startsWith(prefix)));
    try {
      if (this.storage) {
        for (let i = 0; i < this.storage.length; i += 1) {
          const key = this.storage.key(i);
          if (key && key.startsWith(prefix)) found.add(key);
        }
      }
    } catch {
      // memory only
    }
    return [...found];
  }
}

let sealer = null;

/** encrypted-ballot.js (and the crypto it imports), loaded once, on first need. */
function loadSealer() {
  if (!sealer) {
    sealer = import("./encrypted-ballot.js").catch((error) => {
      sealer = null; // a failed load is tried again at the next cast
      throw error;
    });
  }
  return sealer;
}

function behalfKey(onBehalfOf) {
  return onBehalfOf === null || onBehalfOf === undefined ? "self" : String(onBehalfOf);
}

export class PhoneVoting {
  constructor({ root, earlier = null, announcer, meetingId, state, storage = window.localStorage }) {
    this.root = root;
    // Closed polls go below the present (folded), when the page gives them a place.
    this.earlier = earlier;
    this.unfolded = new Set(); // poll ids whose folded result the member opened
    this.seenOpen = new Set(); // poll ids seen open on this page: their result starts unfolded
    this.announcer = announcer;
    this.meetingId = String(meetingId);
    this.store = new Store(storage);
    this.storage = storage;
    this.socket = null;
    this.turnout = new TurnoutBook();
    this.ui = new Map(); // entry key -> {step, selected, message}
    this.timers = new Map(); // entry key -> retry timer
    this.attempts = new Map(); // entry key -> sends so far
    this.posting = new Set(); // entry keys with a REST request in flight
    this.sealing = new Set(); // entry keys whose ballot is being encrypted
    this.participantId = null;
    this.polls = [];
    this.myVotes = new Map(); // poll id -> roll entries of this voter
    this.known = new Set(); // poll ids whose roll entries are known
    this.qrCodes = new Map(); // receipt code -> SVG text of its board QR code (or null)
    // The livestream page: a poll closed to remote voting shows a sentence, not a ballot.
    this.remoteView = "remoteView" in root.dataset;
    for (const node of [this.root, this.earlier]) {
      if (!node) continue;
      node.addEventListener("submit", (event) => this.onSubmit(event));
      node.addEventListener("click", (event) => this.onClick(event));
      node.addEventListener("change", (event) => this.onChange(event));
    }
    this.earlier?.addEventListener(
      "toggle",
      (event) => {
        const id = event.target.dataset?.pollId;
        if (!id) return;
        if (event.target.open) this.unfolded.add(Number(id));
        else this.unfolded.delete(Number(id));
      },
      true,
    );
    this.adopt(state);
    this.render();
  }

  setSocket(socket) {
    this.socket = socket;
  }

  // --- keys -------------------------------------------------------------------------

  prefix(kind) {
    return `uvote:${kind}:${this.meetingId}:${this.participantId}:`;
  }

  storeKey(kind, pollId, onBehalfOf) {
    return `${this.prefix(kind)}${pollId}:${behalfKey(onBehalfOf)}`;
  }

  entryKey(pollId, onBehalfOf) {
    return `${pollId}:${behalfKey(onBehalfOf)}`;
  }

  // --- following the meeting ----------------------------------------------------------

  /** The snapshot: polls, my roll entries, turnout. Pending ballots are re-sent. */
  adopt(state) {
    this.participantId = state.viewer ? state.viewer.participant_id : null;
    this.name = state.viewer ? state.viewer.name : "";
    this.canVote = Boolean(state.viewer && VOTING_ROLES.has(state.viewer.role));
    this.weight = state.my_weight || "1";
    this.proxies = state.my_proxies || [];
    this.polls = state.polls || [];
    this.myVotes = new Map(
      Object.entries(state.my_votes || {}).map(([pollId, entries]) => [Number(pollId), entries]),
    );
    this.known = new Set(this.polls.map((poll) => poll.id));
    if (state.turnout) this.turnout.merge(state.turnout);
    this.rememberHeads();
  }

  /** Every closed poll's record fingerprint this phone has seen, kept so that
   * the board can tell if a later chain does not extend it (a cut tail). */
  rememberHeads() {
    const heads = this.polls
      .filter((poll) => poll.head_fingerprint)
      .map((poll) => ({ head: poll.head_fingerprint, poll: poll.id, title: poll.title }));
    if (heads.length) rememberHeads(this.meetingId, heads, this.storage);
  }

  onSnapshot(snapshot) {
    this.adopt(snapshot);
    this.render();
    this.resendPending();
  }

  onEvent(event, state) {
    if (event.type !== "poll.changed") return;
    const before = this.polls.find((poll) => poll.id === event.poll.id);
    this.polls = state.polls || [];
    const poll = event.poll;
    this.rememberHeads();
    if (poll.state === "open" && (!before || before.state !== "open")) {
      this.say(interpolate(_("Voting is open: %(title)s"), { title: poll.title }));
      if (!this.known.has(poll.id)) this.deriveEntries(poll.id);
    } else if (before && before.state === "open" && poll.state !== "open") {
      this.say(_("Voting closed"));
    }
    this.render();
  }

  /** My weight or the proxies I carry changed: ballots of polls that open
   * from now on follow it (an open poll keeps the roll it froze). */
  onPersonal(me) {
    if ("my_weight" in me) this.weight = me.my_weight || "1";
    if ("my_proxies" in me) this.proxies = me.my_proxies || [];
    this.render();
  }

  onMessage(message) {
    if (message.type === "poll.turnout") {
      if (this.turnout.merge(message)) this.renderTurnout(message.poll_id);
    } else if (
      message.type === "ack" &&
      (message.for === "ballot.cast" || message.for === "ballot.cast_encrypted") &&
      message.receipt
    ) {
      this.onAck(message.receipt, String(message.ref || "").slice("ballot:".length));
    } else if (message.type === "error" && String(message.ref || "").startsWith("ballot:")) {
      this.onRefused(String(message.ref).slice("ballot:".length), message);
    }
  }

  /**
   * A poll opened after the snapshot: this voter's own vote and one for each
   * proxy they carry, known from the snapshot, so that a thousand phones do
   * not all ask the server at the same moment. The server's frozen roll has
   * the last word: a ballot it does not expect is refused with a message.
   */
  deriveEntries(pollId) {
    const entries = [];
    if (this.canVote) {
      entries.push({ on_behalf_of: null, name: this.name, weight: this.weight, voted: false });
    }
    for (const proxy of this.proxies) {
      entries.push({
        on_behalf_of: proxy.participant_id,
        name: proxy.name,
        weight: proxy.weight,
        voted: false,
      });
    }
    this.myVotes.set(pollId, entries);
    this.known.add(pollId);
  }

  // --- casting ----------------------------------------------------------------------------

  pendingBallots() {
    return this.store
      .keys(this.prefix("pending"))
      .map((key) => this.store.get(key))
      .filter(Boolean);
  }

  resendPending() {
    for (const ballot of this.pendingBallots()) this.send(ballot);
  }

  cast(poll, entry, choices) {
    if (poll.encrypted) {
      this.castEncrypted(poll, entry, choices);
      return;
    }
    const ballot = {
      poll_id: poll.id,
      choices,
      // The idempotency key of resends: kept on this phone, never published.
      // The receipt code comes from the server.
      nonce: newBallotNonce(),
      on_behalf_of: entry.on_behalf_of,
    };
    // Stored first: a crash, a reload or a dead socket cannot lose it now.
    this.store.set(this.storeKey("pending", poll.id, entry.on_behalf_of), ballot);
    this.attempts.set(this.entryKey(poll.id, entry.on_behalf_of), 0);
    this.setUi(poll.id, entry.on_behalf_of, { step: "sending", message: null });
    this.send(ballot);
  }

  /**
   * Encrypt the choices, then cast as a plain ballot is: stored as pending
   * (the encrypted ballot, its nonce and the tracker the phone computed),
   * then sent. Nothing is stored or sent unless the encryption succeeded;
   * a failure keeps the choices and says why.
   */
  async castEncrypted(poll, entry, choices) {
    const key = this.entryKey(poll.id, entry.on_behalf_of);
    if (this.sealing.has(key)) return;
    this.sealing.add(key);
    const encrypting = { step: "encrypting", selected: choices, message: null };
    this.setUi(poll.id, entry.on_behalf_of, encrypting, true);
    let ballot;
    try {
      const rollEntryId = await this.rollEntryOf(poll.id, entry);
      const { sealBallot } = await loadSealer();
      // Encrypting holds the page for a moment on a slow phone: let it show
      // "Encrypting…" first.
      await new Promise((resolve) => window.setTimeout(resolve, 20));
      const nonce = newBallotNonce();
      const sealed = sealBallot(poll, rollEntryId, nonce, choices);
      ballot = {
        poll_id: poll.id,
        encrypted: true,
        ballot: sealed.ballot,
        tracker: sealed.tracker,
        // No choices in clear here: the page keeps them in memory only.
        nonce,
        on_behalf_of: entry.on_behalf_of,
      };
    } catch (error) {
      this.sealing.delete(key);
      if (error instanceof ApiError && FINAL_ERRORS.has(error.code)) {
        this.setUi(
          poll.id,
          entry.on_behalf_of,
          { step: "refused", message: error.message, again: false, selected: choices },
          true,
        );
        return;
      }
      const message =
        error instanceof ApiError || error instanceof TypeError
          ? _(
              "Your phone could not reach the server to prepare the encrypted ballot. Nothing was sent and your choices are kept: try again.",
            )
          : interpolate(
              _(
                "Your phone could not encrypt this ballot (%(reason)s). Nothing was sent and your choices are kept: try again.",
              ),
              { reason: String((error && error.message) || error) },
            );
      this.setUi(
        poll.id,
        entry.on_behalf_of,
        { step: "refused", message, again: true, retry: true, selected: choices },
        true,
      );
      return;
    }
    this.sealing.delete(key);
    this.store.set(this.storeKey("pending", poll.id, entry.on_behalf_of), ballot);
    this.attempts.set(key, 0);
    this.setUi(poll.id, entry.on_behalf_of, { step: "sending", retry: false, message: null });
    this.send(ballot);
  }

  /**
   * The roll entry an encrypted ballot is bound to. The snapshot has it; a
   * poll that opened since then is asked once, when the member casts (the
   * open poll's event carries no one's roll entries).
   */
  async rollEntryOf(pollId, entry) {
    if (entry.roll_entry_id) return entry.roll_entry_id;
    const detail = await request("GET", `/api/polls/${pollId}/`);
    for (const mine of detail.my_votes || []) {
      const local = (this.myVotes.get(pollId) || []).find(
        (e) => behalfKey(e.on_behalf_of) === behalfKey(mine.on_behalf_of),
      );
      if (local) local.roll_entry_id = mine.roll_entry_id;
    }
    if (!entry.roll_entry_id) {
      throw new ApiError(_("This vote is not on the poll's electoral roll."), 403, "not_on_roll");
    }
    return entry.roll_entry_id;
  }

  /** Send a pending ballot: over the socket if it is open, else over HTTP; `both`: either way. */
  send(ballot, { both = false } = {}) {
    const key = this.entryKey(ballot.poll_id, ballot.on_behalf_of);
    window.clearTimeout(this.timers.get(key));
    const message = ballot.encrypted
      ? {
          type: "ballot.cast_encrypted",
          poll_id: ballot.poll_id,
          ballot: ballot.ballot,
          nonce: ballot.nonce,
          ref: `ballot:${ballot.nonce}`,
        }
      : {
          type: "ballot.cast",
          poll_id: ballot.poll_id,
          choices: ballot.choices,
          nonce: nonceOf(ballot),
          ref: `ballot:${nonceOf(ballot)}`,
        };
    if (ballot.on_behalf_of !== null && ballot.on_behalf_of !== undefined) {
      message.on_behalf_of = ballot.on_behalf_of;
    }
    const fits = encoder.encode(JSON.stringify(message)).length <= SOCKET_MAX_BYTES;
    const sent = this.socket && fits ? this.socket.send(message) : false;
    if (!sent || both) this.post(ballot);
    const attempts = (this.attempts.get(key) || 0) + 1;
    this.attempts.set(key, attempts);
    const ui = this.ui.get(key);
    if (!ui || ui.step !== "sending" || ui.retrying !== attempts > 1) {
      this.setUi(ballot.poll_id, ballot.on_behalf_of, {
        step: "sending",
        retrying: attempts > 1,
        message: null,
      });
    }
    // No answer in time: send again, same code, both ways. A reconnect re-sends sooner.
    const delay = Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.max(0, attempts - 1));
    this.timers.set(
      key,
      window.setTimeout(() => {
        const still = this.store.get(this.storeKey("pending", ballot.poll_id, ballot.on_behalf_of));
        if (still && nonceOf(still) === nonceOf(ballot)) this.send(still, { both: true });
      }, delay),
    );
  }

  /**
   * The same ballot to the REST endpoint (idempotent by its nonce). A
   * receipt or a final refusal is handled as the socket's; a network failure
   * or any other answer leaves the ballot pending for the retry timer.
   */
  async post(ballot) {
    const key = this.entryKey(ballot.poll_id, ballot.on_behalf_of);
    if (this.posting.has(key)) return;
    this.posting.add(key);
    // The CSRF cookie, else the token of the page's language form.
    const fallback = document.querySelector("input[name=csrfmiddlewaretoken]");
    try {
      const [path, body] = ballot.encrypted
        ? ["encrypted-ballots", { ballot: ballot.ballot }]
        : ["ballots", { choices: ballot.choices }];
      const answer = await request(
        "POST",
        `/api/polls/${ballot.poll_id}/${path}/`,
        { ...body, nonce: nonceOf(ballot), on_behalf_of: ballot.on_behalf_of ?? null },
        { csrf: fallback ? fallback.value : "" },
      );
      if (answer && answer.receipt) this.onAck(answer.receipt, nonceOf(ballot));
    } catch (error) {
      if (error && typeof error.code === "string") {
        this.onRefused(nonceOf(ballot), { code: error.code, message: error.message });
      }
    } finally {
      this.posting.delete(key);
    }
  }

  findPending(nonce) {
    return this.pendingBallots().find((ballot) => nonceOf(ballot) === nonce) || null;
  }

  /** The server's receipt for the pending ballot sent with `nonce`. */
  onAck(receipt, nonce) {
    const ballot = this.findPending(nonce);
    if (!ballot) return; // a late duplicate ack
    const key = this.entryKey(ballot.poll_id, ballot.on_behalf_of);
    window.clearTimeout(this.timers.get(key));
    this.store.set(this.storeKey("receipt", ballot.poll_id, ballot.on_behalf_of), {
      poll_id: ballot.poll_id,
      receipt_code: receipt.receipt_code,
      choices: receipt.choices,
      weight: receipt.weight,
      on_behalf_of: ballot.on_behalf_of,
      name: receipt.on_behalf_of,
      // The signed receipt: the installation's signature over the ballot entry.
      signature: receipt.signature || null,
      // A secret ballot's signed entry holds no weight (audit format 3).
      weight_signed: receipt.weight_signed !== false,
      meeting_id: this.meetingId,
      voter: ballot.on_behalf_of ?? this.participantId,
      // An encrypted ballot: the receipt is its tracker, which this phone
      // computed from the ciphertexts it made; the server's must be the same.
      encrypted: Boolean(ballot.encrypted),
      tracker_matches: ballot.encrypted ? receipt.receipt_code === ballot.tracker : null,
      tracker: ballot.encrypted ? ballot.tracker : null,
    });
    this.store.remove(this.storeKey("pending", ballot.poll_id, ballot.on_behalf_of));
    this.markVoted(ballot.poll_id, ballot.on_behalf_of);
    this.setUi(ballot.poll_id, ballot.on_behalf_of, { step: "done", message: null }, true);
    this.say(_("Your vote was counted"));
  }

  onRefused(code, error) {
    const ballot = this.findPending(code);
    if (!ballot) return;
    const key = this.entryKey(ballot.poll_id, ballot.on_behalf_of);
    if (!FINAL_ERRORS.has(error.code)) return; // the retry timer sends again
    window.clearTimeout(this.timers.get(key));
    this.store.remove(this.storeKey("pending", ballot.poll_id, ballot.on_behalf_of));
    const messages = {
      already_voted: _(
        "This vote had already been cast (from another device or on paper). Your new ballot was not counted.",
      ),
      receipt_conflict: _(
        "The server refused this ballot: its receipt code was already used. Your new ballot was not counted.",
      ),
      poll_not_open: _("Voting closed before your ballot arrived. It was not counted."),
      ballot_refused: interpolate(
        _("The server refused this encrypted ballot (%(reason)s). It was not counted: vote again."),
        { reason: error.message || error.code },
      ),
      replayed: _(
        "The server refused this ballot: it is already on the board. It was not counted: vote again.",
      ),
    };
    const text = messages[error.code] || error.message || _("The server refused this ballot.");
    if (error.code === "already_voted") this.markVoted(ballot.poll_id, ballot.on_behalf_of);
    const again = !["already_voted", "receipt_conflict", "poll_not_open"].includes(error.code);
    this.setUi(
      ballot.poll_id,
      ballot.on_behalf_of,
      {
        step: "refused",
        message: text,
        again,
        retry: false,
        selected: ballot.choices ?? this.uiFor(ballot.poll_id, ballot.on_behalf_of).selected,
      },
      true,
    );
  }

  markVoted(pollId, onBehalfOf) {
    const entries = this.myVotes.get(pollId) || [];
    for (const entry of entries) {
      if (behalfKey(entry.on_behalf_of) === behalfKey(onBehalfOf)) entry.voted = true;
    }
  }

  say(text) {
    if (!this.announcer) return;
    this.announcer.textContent = text;
  }

  // --- user input -----------------------------------------------------------------------------

  locate(node) {
    const box = node.closest("[data-entry]");
    if (!box) return null;
    const pollId = Number(box.dataset.poll);
    const onBehalfOf = box.dataset.behalf === "self" ? null : Number(box.dataset.behalf);
    const poll = this.polls.find((p) => p.id === pollId);
    const entry = (this.myVotes.get(pollId) || []).find(
      (e) => behalfKey(e.on_behalf_of) === behalfKey(onBehalfOf),
    );
    return poll && entry ? { box, poll, entry } : null;
  }

  onChange(event) {
    const found = this.locate(event.target);
    if (!found) return;
    const { box, poll, entry } = found;
    const message = box.querySelector(".ballot-message");
    enforceChoiceRules(poll, box.querySelector("fieldset"), event.target, (text) => {
      message.textContent = text || "";
    });
    const ui = this.uiFor(poll.id, entry.on_behalf_of);
    ui.selected = checkedIds(box);
  }

  onSubmit(event) {
    const found = this.locate(event.target);
    if (!found) return;
    event.preventDefault();
    const { box, poll, entry } = found;
    const selected = checkedIds(box);
    const problem = selectionError(poll, selected);
    if (problem) {
      box.querySelector(".ballot-message").textContent = problem;
      const first = box.querySelector("input");
      if (first) first.focus();
      return;
    }
    this.setUi(poll.id, entry.on_behalf_of, { step: "review", selected, message: null }, true);
  }

  onClick(event) {
    const button = event.target.closest("button[data-vote-action]");
    if (!button) return;
    const found = this.locate(button);
    if (!found) return;
    const { poll, entry } = found;
    const ui = this.uiFor(poll.id, entry.on_behalf_of);
    switch (button.dataset.voteAction) {
      case "cast":
        if (poll.state === "open" && !entry.voted) this.cast(poll, entry, ui.selected);
        break;
      case "change":
        this.setUi(poll.id, entry.on_behalf_of, { step: "choose", message: null }, true);
        break;
      case "save-receipt":
        this.saveReceipt(poll, entry);
        break;
      default:
        break;
    }
  }

  uiFor(pollId, onBehalfOf) {
    const key = this.entryKey(pollId, onBehalfOf);
    if (!this.ui.has(key)) this.ui.set(key, { step: "choose", selected: [], message: null });
    return this.ui.get(key);
  }

  setUi(pollId, onBehalfOf, changes, focus = false) {
    Object.assign(this.uiFor(pollId, onBehalfOf), changes);
    this.renderEntry(pollId, onBehalfOf, focus);
  }

  // --- rendering --------------------------------------------------------------------------------

  entryTitle(entry) {
    return entry.on_behalf_of === null || entry.on_behalf_of === undefined
      ? _("Your vote")
      : interpolate(_("Vote for %(name)s (proxy)"), { name: entry.name });
  }

  /** What an entry shows: its step, unless the server says it has voted. */
  stepOf(poll, entry) {
    const ui = this.uiFor(poll.id, entry.on_behalf_of);
    const pending = this.store.get(this.storeKey("pending", poll.id, entry.on_behalf_of));
    if (ui.step === "done" || ui.step === "refused") return ui.step;
    if (pending) return "sending";
    if (entry.voted) return "voted";
    if (poll.state !== "open") return "missed";
    return ui.step === "sending" ? "choose" : ui.step;
  }

  entryView(poll, entry) {
    const id = `ballot-${poll.id}-${behalfKey(entry.on_behalf_of)}`;
    const box = el("div", { className: "ballot", id });
    box.dataset.entry = "1";
    box.dataset.poll = String(poll.id);
    box.dataset.behalf = behalfKey(entry.on_behalf_of);
    const ui = this.uiFor(poll.id, entry.on_behalf_of);
    const step = this.stepOf(poll, entry);
    box.dataset.step = step;
    const title = this.entryTitle(entry);
    const weight =
      Number(entry.weight) === 1
        ? null
        : el(
            "p",
            { className: "meta" },
            interpolate(_("Weight of this vote: %(weight)s"), {
              weight: formatWeight(entry.weight),
            }),
          );
    const heading = (text) => el("h3", { className: "ballot-heading", tabIndex: -1 }, text);

    if (step === "choose") {
      const hintId = `${id}-hint`;
      const form = el("form", { className: "ballot-form", noValidate: true });
      const fieldset = choiceFieldset(poll, {
        prefix: id,
        legend: title,
        selected: ui.selected,
        hintId,
      });
      fieldset.insertBefore(
        el("p", { className: "choice-hint", id: hintId }, choiceHint(poll)),
        fieldset.children[1],
      );
      if (weight) fieldset.insertBefore(weight, fieldset.children[1]);
      // Before choosing, the member knows whether the choice is private.
      fieldset.insertBefore(
        el(
          "p",
          { className: `secrecy-line secrecy-${poll.secrecy}` },
          poll.secrecy === "named"
            ? _("Named vote: your name and your choice will be shown with the result.")
            : poll.encrypted
              ? _("Secret ballot, encrypted on your phone: no one can see how you voted.")
              : _("Secret ballot: no one can see how you voted."),
        ),
        fieldset.children[1],
      );
      form.append(
        fieldset,
        el("p", { className: "ballot-message field-error", role: "alert" }, ui.message || ""),
        el(
          "button",
          { type: "submit", className: "button button-primary button-wide" },
          _("Review my vote"),
        ),
      );
      box.append(form);
      return box;
    }
    if (step === "review") {
      const labels = optionLabels(poll, ui.selected);
      const cast = el(
        "button",
        { type: "button", className: "button button-primary button-wide" },
        _("Cast my vote"),
      );
      cast.dataset.voteAction = "cast";
      const change = el("button", { type: "button", className: "button button-wide" }, _("Change"));
      change.dataset.voteAction = "change";
      if (entry.on_behalf_of !== null && entry.on_behalf_of !== undefined) {
        cast.setAttribute(
          "aria-label",
          interpolate(_("Cast the vote for %(name)s"), { name: entry.name }),
        );
        change.setAttribute(
          "aria-label",
          interpolate(_("Change the vote for %(name)s"), { name: entry.name }),
        );
      }
      box.append(
        heading(_("Review my vote")),
        el("p", { className: "meta" }, title),
        el("p", {}, labels.length ? _("You chose:") : _("You chose nothing (an empty ballot).")),
        el("ul", { className: "review-list" }, ...labels.map((label) => el("li", {}, label))),
        el("p", {}, _("Once cast, a vote cannot be changed.")),
        el("div", { className: "button-row" }, cast, change),
      );
      return box;
    }
    if (step === "encrypting") {
      box.append(
        heading(title),
        el("p", { role: "status" }, _("Encrypting your vote on this phone…")),
      );
      return box;
    }
    if (step === "sending") {
      box.append(
        heading(title),
        el(
          "p",
          { className: ui.retrying ? "banner" : "", role: "status" },
          ui.retrying
            ? _(
                "Not confirmed yet. Your phone keeps sending the same ballot until the server confirms it; keep this page open.",
              )
            : _("Sending your vote…"),
        ),
      );
      return box;
    }
    if (step === "refused") {
      box.append(heading(title), el("p", { className: "alert", role: "alert" }, ui.message || ""));
      if (ui.again && poll.state === "open" && !entry.voted) {
        const change = el("button", { type: "button", className: "button" }, _("Change"));
        change.dataset.voteAction = "change";
        const row = el("div", { className: "button-row" }, change);
        if (ui.retry) {
          // The same choices, encrypted afresh: nothing was sent before.
          const again = el(
            "button",
            { type: "button", className: "button button-primary" },
            _("Try again"),
          );
          again.dataset.voteAction = "cast";
          row.prepend(again);
        }
        box.append(row);
      }
      return box;
    }
    if (step === "missed") {
      box.append(heading(title), el("p", {}, _("You did not vote on this poll.")));
      return box;
    }
    // "done" (just acknowledged) or "voted" (known from the server)
    const receipt = this.store.get(this.storeKey("receipt", poll.id, entry.on_behalf_of));
    const own = entry.on_behalf_of === null || entry.on_behalf_of === undefined;
    const headline =
      step === "done"
        ? _("Your vote was counted")
        : own
          ? _("You voted")
          : interpolate(_("You voted for %(name)s"), { name: entry.name });
    box.append(heading(headline));
    if (step === "done" && !own) box.append(el("p", { className: "meta" }, title));
    if (receipt) {
      const codeId = `${id}-receipt`;
      box.append(
        el("p", { className: "receipt-label", id: `${codeId}-label` }, _("Your receipt code")),
        el("p", { className: "receipt-code", id: codeId }, formatReceipt(receipt.receipt_code)),
        ...this.encryptedLines(receipt),
        el(
          "p",
          { className: "meta" },
          _(
            "Write it down or take a picture: with it you can check on the public board that your vote was counted.",
          ),
        ),
        this.receiptTools(poll, entry, receipt, id),
      );
    } else {
      box.append(
        el(
          "p",
          { className: "meta" },
          _(
            "The receipt code is kept on the device you voted with; the server does not know it for a secret vote.",
          ),
        ),
      );
    }
    return box;
  }

  /** Under an encrypted ballot's receipt: where it was encrypted, and an
   * alarm if the server's receipt is not the tracker this phone computed. */
  encryptedLines(receipt) {
    if (!receipt.encrypted) return [];
    const lines = [
      el(
        "p",
        { className: "encrypted-line" },
        _("Encrypted on this phone before it was sent. The receipt code is the ballot's tracker."),
      ),
    ];
    if (receipt.tracker_matches === false) {
      lines.push(
        el(
          "p",
          { className: "alert", role: "alert" },
          _(
            "This receipt is not the tracker of the ballot your phone encrypted. Tell the chair or a clerk now.",
          ),
        ),
        el(
          "p",
          { className: "meta" },
          interpolate(_("The tracker of the ballot your phone encrypted: %(tracker)s"), {
            tracker: formatReceipt(receipt.tracker || ""),
          }),
        ),
      );
    }
    return lines;
  }

  // --- the receipt: board link, QR code, and a file to keep --------------------------------

  boardLink(pollId, code) {
    const fragment = new URLSearchParams({ poll: String(pollId), receipt: code });
    return `${window.location.origin}/meetings/${this.meetingId}/board/#${fragment}`;
  }

  /** The QR code, the board link and "Save receipt" under a receipt code. */
  receiptTools(poll, entry, receipt, id) {
    const box = el("div", { className: "receipt-tools" });
    const figure = el("figure", { className: "receipt-qr", id: `${id}-qr` });
    const svg = this.qrCodes.get(receipt.receipt_code);
    if (svg) {
      figure.append(this.qrImage(svg));
    } else if (!this.qrCodes.has(receipt.receipt_code)) {
      this.loadQr(poll.id, receipt.receipt_code, `${id}-qr`);
    }
    figure.append(
      el("figcaption", { className: "meta" }, _("Scan to open your entry on the bulletin board.")),
    );
    const save = el("button", { type: "button", className: "button" }, _("Save receipt"));
    save.dataset.voteAction = "save-receipt";
    const link = el(
      "a",
      { href: this.boardLink(poll.id, receipt.receipt_code), className: "button button-quiet" },
      _("Check it on the board"),
    );
    box.append(figure, el("div", { className: "button-row" }, save, link));
    if (poll.state === "open") {
      box.append(
        el("p", { className: "meta" }, _("The board shows this poll once voting has closed.")),
      );
    }
    return box;
  }

  qrImage(svg) {
    return el("img", {
      src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`,
      alt: _("QR code of the link to your entry on the bulletin board"),
      width: 160,
      height: 160,
    });
  }

  /** Ask the server to draw the QR code (POST: the code stays out of URLs and logs). */
  async loadQr(pollId, code, figureId) {
    this.qrCodes.set(code, null);
    try {
      const response = await fetch("/api/receipt-qr/", {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          Accept: "image/svg+xml",
          "X-CSRFToken": csrfToken(),
        },
        body: JSON.stringify({ meeting: Number(this.meetingId), poll: pollId, receipt: code }),
      });
      if (!response.ok) throw new Error(String(response.status));
      const svg = await response.text();
      this.qrCodes.set(code, svg);
      const figure = document.getElementById(figureId);
      if (figure && !figure.querySelector("img")) figure.prepend(this.qrImage(svg));
    } catch {
      this.qrCodes.delete(code); // tried again at the next drawing
    }
  }

  /** Download the receipt as a small text file: everything needed to check it later. */
  saveReceipt(poll, entry) {
    const receipt = this.store.get(this.storeKey("receipt", poll.id, entry.on_behalf_of));
    if (!receipt) return;
    const meetingTitle = (document.getElementById("meeting-title") || {}).textContent || "";
    const signedEntry = {
      choices: receipt.choices,
      poll: poll.id,
      receipt: receipt.receipt_code,
    };
    // Secret polls (audit format 3) sign the ballot without its weight.
    if (receipt.weight_signed !== false) signedEntry.weight = receipt.weight;
    if (poll.secrecy === "named" && receipt.voter !== null && receipt.voter !== undefined) {
      signedEntry.voter = String(receipt.voter);
    }
    const lines = [
      _("Ballot receipt"),
      "",
      `${_("Meeting")}: ${meetingTitle.trim()} (${this.meetingId})`,
      `${_("Poll")}: ${poll.title} (${poll.id})`,
      `${_("Receipt code")}: ${formatReceipt(receipt.receipt_code)}`,
      receipt.encrypted
        ? _("Encrypted on this phone before it was sent. The receipt code is the ballot's tracker.")
        : `${_("Choices")}: ${optionLabels(poll, receipt.choices).join(", ") || _("none")}`,
      `${_("Weight")}: ${formatWeight(receipt.weight)}`,
    ];
    if (receipt.name) lines.push(`${_("On behalf of")}: ${receipt.name}`);
    lines.push(
      `${_("Signature (Ed25519, base64)")}: ${receipt.signature || _("not kept on this device")}`,
      `${_("Signed entry (RFC 8785 JSON)")}: ${JSON.stringify(signedEntry, Object.keys(signedEntry).sort())}`,
      `${_("Bulletin board")}: ${this.boardLink(poll.id, receipt.receipt_code)}`,
      "",
    );
    // An encrypted ballot's receipt does not tell how the member voted.
    if (!receipt.encrypted) lines.push(_("Anyone you show this receipt to can see how you voted."), "");
    const blob = new Blob([lines.join("\n")], { type: "text/plain;charset=utf-8" });
    const url = URL.createObjectURL(blob);
    const link = el("a", { href: url, download: `receipt-poll-${poll.id}-${receipt.receipt_code}.txt` });
    document.body.append(link);
    link.click();
    link.remove();
    window.setTimeout(() => URL.revokeObjectURL(url), 1000);
    this.say(_("Receipt saved"));
  }

  pollView(poll) {
    const open = poll.state === "open";
    const headingId = `poll-${poll.id}-title`;
    const card = el("article", { className: `poll-card is-${poll.state}` });
    card.dataset.pollId = String(poll.id);
    card.setAttribute("aria-labelledby", headingId);
    card.append(
      el("p", { className: "eyebrow" }, open ? _("Voting is open") : this.stateLine(poll)),
      el("h2", { id: headingId, className: "poll-title" }, poll.title),
    );
    if (poll.description) card.append(el("p", { className: "poll-description" }, poll.description));
    if (open) {
      const turnout = this.turnout.get(poll.id);
      card.append(
        el(
          "p",
          { className: "turnout-line", id: `turnout-${poll.id}` },
          turnout ? turnoutSentence(turnout) : "",
        ),
      );
    }
    const roomOnly = this.remoteView && poll.allow_remote === false;
    if (roomOnly && open) {
      card.append(
        el(
          "p",
          { className: "room-only" },
          _("This poll is for members in the room; remote members cannot vote on it."),
        ),
      );
    }
    const entries = roomOnly ? [] : this.myVotes.get(poll.id) || [];
    if (open && !roomOnly && this.known.has(poll.id) && !entries.length) {
      card.append(el("p", {}, _("You are not entitled to vote on this poll.")));
    }
    for (const entry of entries) card.append(this.entryView(poll, entry));
    if (poll.state === "cancelled") {
      card.append(
        el(
          "p",
          {},
          interpolate(_("This vote was cancelled: %(reason)s"), { reason: poll.cancel_reason }),
        ),
      );
    }
    const result = resultView(poll);
    if (result) card.append(result);
    return card;
  }

  stateLine(poll) {
    const lines = {
      closed: _("Voting closed"),
      decrypting: _("Voting closed"),
      published: _("Result published"),
      cancelled: _("Cancelled"),
    };
    return lines[poll.state] || poll.state;
  }

  /** A poll a member can read: drafts are the chair's, and a draft cancelled
   * before it opened has nothing to show (no title reaches the member). */
  shown(poll) {
    if (poll.state === "draft") return false;
    if (poll.state === "cancelled" && (!poll.opened_at || !poll.title)) return false;
    return true;
  }

  /** A closed poll folded into one line: its title and how it ended. */
  foldedView(poll) {
    const box = el("details", { className: "earlier-poll" });
    box.dataset.pollId = String(poll.id);
    box.open = this.unfolded.has(poll.id);
    box.append(
      el(
        "summary",
        {},
        el("bdi", {}, poll.title),
        " ",
        el("span", { className: "meta" }, `(${this.stateLine(poll)})`),
      ),
      this.pollView(poll),
    );
    return box;
  }

  render() {
    const scope = (node) => node && node.contains(document.activeElement);
    const active = document.activeElement;
    const focusId = scope(this.root) || scope(this.earlier) ? active.id : null;
    const visible = this.polls.filter((poll) => this.shown(poll));
    const open = visible.filter((poll) => poll.state === "open");
    const done = visible.filter((poll) => poll.state !== "open").reverse();
    for (const poll of open) this.seenOpen.add(poll.id);
    // An encrypted poll the member may vote on: fetch the crypto now, not at the tap.
    const toSeal = (poll) => (this.myVotes.get(poll.id) || []).some((entry) => !entry.voted);
    if (open.some((poll) => poll.encrypted && toSeal(poll))) {
      loadSealer().catch(() => {}); // a failure shows when the member casts
    }
    this.root.replaceChildren();
    this.root.hidden = !(open.length || (!this.earlier && done.length));
    this.root.append(...open.map((poll) => this.pollView(poll)));
    if (this.earlier) {
      // A result the member watched close stays unfolded once; the rest wait folded.
      for (const poll of done) {
        if (this.seenOpen.delete(poll.id)) this.unfolded.add(poll.id);
      }
      const list = this.earlier.querySelector(".earlier-list");
      list.replaceChildren(...done.map((poll) => this.foldedView(poll)));
      this.earlier.hidden = !done.length;
    } else if (done.length) {
      this.root.append(
        el("h2", { className: "results-heading", id: "results-heading" }, _("Earlier votes")),
        ...done.map((poll) => this.pollView(poll)),
      );
    }
    if (focusId) {
      const again = document.getElementById(focusId);
      if (again) again.focus();
    }
  }

  renderEntry(pollId, onBehalfOf, focus) {
    const poll = this.polls.find((p) => p.id === pollId);
    const entry = (this.myVotes.get(pollId) || []).find(
      (e) => behalfKey(e.on_behalf_of) === behalfKey(onBehalfOf),
    );
    const old = document.getElementById(`ballot-${pollId}-${behalfKey(onBehalfOf)}`);
    if (!poll || !entry || !old) {
      this.render();
      return;
    }
    const fresh = this.entryView(poll, entry);
    old.replaceWith(fresh);
    if (focus) {
      const target =
        fresh.querySelector(".ballot-heading") ||
        fresh.querySelector("input:checked") ||
        fresh.querySelector("input");
      if (target) target.focus();
    }
  }

  renderTurnout(pollId) {
    const node = document.getElementById(`turnout-${pollId}`);
    const turnout = this.turnout.get(pollId);
    if (node && turnout) node.textContent = turnoutSentence(turnout);
  }
}
