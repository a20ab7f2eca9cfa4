// The bulletin board's receipt checker. A member pastes a receipt code (or
// arrives from the QR code on their phone: #poll=..&receipt=.., in the
// fragment, which browsers never send to the server); the page asks for the
// inclusion proof by POST (the code stays out of URLs and access logs) and
// checks it here: leaf hash, audit path to the signed root, and the Ed25519
// signatures.
import { csrfToken } from "./api.js";
import { checkProof, headFingerprint, headHash, keyFingerprint } from "./board-verify.js";
import { _, formatNumber, interpolate, ngettext } from "./i18n.js";
import { missingHeads, rememberHeads, seenHeads } from "./seen-heads.js";


const data = JSON.parse(document.getElementById("board-data").textContent);
const form = document.getElementById("receipt-form");
const result = document.getElementById("receipt-result");

// An encrypted ballot's receipt: its tracker, 64 hex digits (docs/encrypted-ballots.md).
const TRACKER = /^[0-9a-f]{64}$/;

function normalise(code) {
  const bare = String(code || "").replace(/[\s-]/g, "");
  return TRACKER.test(bare.toLowerCase()) ? bare.toLowerCase() : bare.toUpperCase();
}

function say(kind, lines) {
  result.replaceChildren();
  result.className = `receipt-result is-${kind}`;
  for (const line of lines) {
    const p = document.createElement("p");
    p.textContent = line;
    result.append(p);
  }
}

/** The receipt this device's phone page kept for the code, if any. */
function keptReceipt(code) {
  try {
    for (let i = 0; i < window.localStorage.length; i += 1) {
      const key = window.localStorage.key(i);
      if (!key || !key.startsWith("uvote:receipt:")) continue;
      const kept = JSON.parse(window.localStorage.getItem(key));
      if (kept && kept.receipt_code === code) return kept;
    }
  } catch {
    // storage refused: nothing to compare with
  }
  return null;
}

function sameChoices(a, b) {
  const x = [...a].map(Number).sort((p, q) => p - q);
  const y = [...b].map(Number).sort((p, q) => p - q);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** The proof of `code` in one poll: {proof}, {missing: true} or {error: sentence}. */
async function fetchProof(poll, code) {
  try {
    const url = `/api/polls/${encodeURIComponent(poll.id)}/proof/`;
    // The CSRF cookie, else the token of the page's language form (a signed-in
    // member's POST needs it; an anonymous one is not checked).
    const fallback = document.querySelector("input[name=csrfmiddlewaretoken]");
    const response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        Accept: "application/json",
        "Content-Type": "application/json",
        "X-CSRFToken": csrfToken(fallback ? fallback.value : ""),
      },
      body: JSON.stringify({ receipt: code }),
    });
    const body = await response.json().catch(() => null);
    if (response.status === 404 && body && body.code === "receipt_not_found") {
      return { missing: true };
    }
    if (!response.ok || !body) {
      return { error: (body && body.detail) || _("The proof could not be fetched. Try again.") };
    }
    return { proof: body };
  } catch {
    return { error: _("The proof could not be fetched. Check the connection and try again.") };
  }
}

/** The verdict in view and focused: a member who came from the phone's link
 * lands on it, not at the top of a long page. */
function showVerdict() {
  result.scrollIntoView({ block: "center" });
  result.focus({ preventScroll: true });
}

async function check(pollId, code) {
  await checkIn(pollId, code);
  showVerdict();
}

async function checkIn(pollId, code) {
  if (!/^[A-Z2-7]{10,32}$/.test(code) && !TRACKER.test(code)) {
    say("bad", [_("A receipt code has 10 to 32 letters A–Z and digits 2–7.")]);
    return;
  }
  const chosen = data.polls.find((p) => String(p.id) === String(pollId));
  // No poll chosen: the receipt finds its own, newest closed poll first.
  const candidates = chosen ? [chosen] : [...data.polls].reverse();
  if (!candidates.length) {
    say("bad", [_("Choose a poll.")]);
    return;
  }
  say("busy", [_("Checking…")]);
  let poll = null;
  let proof = null;
  for (const candidate of candidates) {
    const answer = await fetchProof(candidate, code);
    if (answer.error) {
      say("bad", [answer.error]);
      return;
    }
    if (answer.proof) {
      poll = candidate;
      proof = answer.proof;
      break;
    }
  }
  if (!proof) {
    say("bad", [
      chosen
        ? interpolate(_("Receipt %(code)s is NOT on the board of “%(title)s”."), {
            code,
            title: chosen.title,
          })
        : interpolate(_("Receipt %(code)s is NOT on the board of any closed poll of this meeting."), {
            code,
          }),
      _("Check the code and the poll. If they are right, tell the chair or a clerk now."),
    ]);
    return;
  }
  if (!chosen) {
    const pollField = document.getElementById("receipt-poll");
    if (pollField) pollField.value = String(poll.id);
  }
  if (!data.key) {
    say("bad", [_("This installation publishes no signing key: nothing can be checked.")]);
    return;
  }
  const head = poll.tree_head;
  const outcome = await checkProof(proof, head, data.key.public_key);
  const labels = proof.entry.choices.map((id) => poll.labels[String(id)] || String(id));
  // Members' words between Unicode isolates: a Latin label keeps its own
  // order (and the full stop its place) inside an Arabic sentence.
  const isolate = (text) => `\u2068${text}\u2069`;
  const choices = labels.length ? labels.map(isolate).join(", ") : _("an empty ballot");
  const encrypted = Boolean(poll.encrypted);
  if (!outcome.rootMatches || proof.entry.receipt !== code) {
    say("bad", [
      _(
        "The proof does NOT lead to the signed root of this poll: the board and the record disagree.",
      ),
      _("Tell the chair or a clerk, and keep your receipt."),
    ]);
    return;
  }
  const lines = [
    interpolate(_("Poll: %(title)s"), { title: isolate(poll.title) }),
    encrypted
      ? _("Your encrypted ballot is on the board as your phone sent it.")
      : interpolate(_("Your ballot is on the board as cast: %(choices)s."), { choices }),
    interpolate(
      _(
        "The board's root matches the signed record (entry %(index)s of %(size)s, record fingerprint %(fingerprint)s).",
      ),
      {
        index: formatNumber(proof.index + 1),
        size: formatNumber(head.size),
        fingerprint: await headFingerprint(head),
      },
    ),
  ];
  let kind = "ok";
  if (outcome.headSigned === null) {
    lines.push(_("The signature was not checked in this browser (it cannot verify Ed25519)."));
  } else if (outcome.headSigned && outcome.entrySigned) {
    lines.push(
      interpolate(_("The record and your receipt are signed by the installation key %(key)s."), {
        key: await keyFingerprint(data.key.public_key),
      }),
    );
  } else {
    kind = "bad";
    lines.push(_("The signature does NOT verify with the installation key. Tell the chair."));
  }
  const kept = keptReceipt(code);
  if (kept && kept.encrypted) {
    // The code is the tracker of the ciphertexts this device's phone made.
    lines.push(_("This is the tracker of the ballot your phone encrypted."));
  } else if (kept && Array.isArray(kept.choices)) {
    if (sameChoices(kept.choices, proof.entry.choices)) {
      lines.push(_("These are the choices your phone recorded when you voted."));
    } else {
      kind = "bad";
      lines.push(
        _("These are NOT the choices your phone recorded when you voted. Tell the chair now."),
      );
    }
  }
  say(kind, lines);
}

/** Poll and receipt from the fragment only: a receipt in the query string
 * would have reached the server's access log. */
function fromLocation() {
  const params = new URLSearchParams(window.location.hash.replace(/^#/, ""));
  const query = new URLSearchParams(window.location.search);
  return { poll: params.get("poll") || query.get("poll"), receipt: params.get("receipt") };
}

if (form) {
  const pollField = document.getElementById("receipt-poll");
  const codeField = document.getElementById("receipt-code");
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    check(pollField.value, normalise(codeField.value));
  });
  const wanted = fromLocation();
  if (wanted.poll && [...pollField.options].some((o) => o.value === wanted.poll)) {
    pollField.value = wanted.poll;
  }
  if (wanted.receipt) {
    codeField.value = normalise(wanted.receipt);
    check(pollField.value, normalise(wanted.receipt));
  }
}

/**
 * Every fingerprint on the page computed here, from the key and the heads
 * this page checks, in place of the ones the server wrote: a server that
 * forged records with a key of its own cannot make them show the real one.
 */
async function ownFingerprints() {
  if (data.key) {
    const shown = document.getElementById("key-fingerprint");
    if (shown) shown.textContent = await keyFingerprint(data.key.public_key);
  }
  for (const poll of data.polls) {
    const section = document.getElementById(`board-poll-${poll.id}`);
    const shown = section && section.querySelector(".head-fingerprint");
    if (shown) shown.textContent = await headFingerprint(poll.tree_head);
  }
}

/**
 * The chain this board shows against the heads this device saw before (on the
 * phone page when polls closed, or on this board earlier). A remembered head
 * that is not in the chain means the record shown here does not extend what
 * this device saw: its end may have been cut. Then this board's heads are
 * remembered too, so a later cut is caught on this device.
 */
async function checkChain() {
  const box = document.getElementById("chain-check");
  if (!box) return;
  const hashes = [];
  let linked = true;
  for (const poll of data.polls) {
    const previous = hashes.length ? hashes[hashes.length - 1] : null;
    if ((poll.tree_head.previous_head_hash || null) !== previous) linked = false;
    hashes.push(await headHash(poll.tree_head));
  }
  const before = seenHeads(data.meeting);
  const missing = missingHeads(data.meeting, hashes);
  const lines = [];
  let alarm = false;
  if (!linked) {
    alarm = true;
    lines.push(
      _("Warning: the records on this board do not form one chain. Tell the chair or a clerk."),
    );
  }
  for (const seen of missing) {
    alarm = true;
    lines.push(
      interpolate(
        _(
          "Warning: this board does not contain the record %(fingerprint)s that this device saw for “%(title)s”. The end of the meeting's record may have been cut. Tell the chair or a clerk, and keep this device as it is.",
        ),
        { fingerprint: seen.head.slice(0, 16).replace(/(.{4})(?!$)/g, "$1 "), title: seen.title },
      ),
    );
  }
  if (!alarm && before.length) {
    lines.push(
      interpolate(
        ngettext(
          "This board extends the record this device saw before (%(count)s).",
          "This board extends every record this device saw before (%(count)s).",
          before.length,
        ),
        { count: formatNumber(before.length) },
      ),
    );
  }
  box.replaceChildren();
  box.className = alarm ? "chain-check is-bad" : "chain-check is-ok";
  for (const line of lines) {
    const p = document.createElement("p");
    if (alarm) p.setAttribute("role", "alert");
    p.textContent = line;
    box.append(p);
  }
  rememberHeads(
    data.meeting,
    data.polls.map((poll, i) => ({ head: hashes[i], poll: poll.id, title: poll.title })),
  );
}

ownFingerprints();
checkChain();
