// The tellers' page of an encrypted poll (docs/encrypted-ballots.md, 6 and 7).
// It runs this teller's part of the key ceremony as the others progress,
// keeps the secrets in this browser only (localStorage, keyed by poll and
// teller number; never sent, never in a URL), backs up and restores the key
// share, and after the close decrypts the totals. Every message it sends is
// public; the server relays shares it cannot read.
import * as E from "./elgamal.js";
import { request } from "./api.js";
import { countWith, decryptedSentence, tellerList } from "./ceremony.js";
import { _, formatNumber, interpolate } from "./i18n.js";
import { MeetingSocket } from "./meeting-socket.js";

const data = JSON.parse(document.getElementById("teller-data").textContent);
const POLL_ID = data.poll;
const INDEX = data.index;
const CONTEXT = `poll:${POLL_ID}`; // what every proof names the poll by
const BASE = `/api/polls/${POLL_ID}/tellers/`;
const STORE_KEY = `uvote:teller:${POLL_ID}:${INDEX}`;
const FALLBACK_POLL_MS = 20000;

const $ = (id) => document.getElementById(id);
const main = $("main");
const errorBox = $("teller-error");
const status = $("ceremony-status");

let ceremony = null; // GET tellers/
let poll = null; // GET polls/<id>/, for the result once the poll is closed
let busy = false; // a step is running: no second one meanwhile
let again = false; // something changed while busy: look once more after

// --- the secrets, in this browser only ---------------------------------------------------

/** {transport, published, coefficients, shares, sharesSent, share, confirmation, backedUp};
 * scalars in hex. */
function load() {
  try {
    return JSON.parse(window.localStorage.getItem(STORE_KEY) || "null") || {};
  } catch {
    return {};
  }
}

function save(secrets) {
  try {
    window.localStorage.setItem(STORE_KEY, JSON.stringify(secrets));
  } catch {
    throw new Error(_("This browser refuses to store data for this page, so it cannot keep your key share. Use another browser, not a private window."));
  }
}

// --- talking to the server -------------------------------------------------------------------

const api = (method, url, body) => request(method, url, body);

async function fetchState() {
  ceremony = await api("GET", BASE);
  if (["closed", "published"].includes(ceremony.state) && (!poll || poll.state !== ceremony.state)) {
    poll = await api("GET", `/api/polls/${POLL_ID}/`);
  }
}

const pollState = () => ceremony.state;
const me = () => ceremony.tellers.find((t) => t.participant_id === data.participant);
const everyone = (field) => ceremony.tellers.every((t) => t[field]);
const allCommitments = () => ceremony.tellers.map((t) => t.commitments);

// --- messages --------------------------------------------------------------------------------

let errorFrom = null; // "auto" (following the ceremony) or "user" (a button's action)

/** Show a refusal or failure; `from` "user" keeps it past the background refreshes. */
function showError(error, from = "auto") {
  errorBox.replaceChildren();
  errorFrom = error ? from : null;
  if (!error) return;
  let text = error.message;
  if (error instanceof TypeError) {
    text = _("The server could not be reached. Check the connection and try again.");
  } else if (error instanceof E.CryptoError) {
    text = interpolate(_("A check failed on this device: %(message)s"), { message: error.message });
  }
  const p = document.createElement("p");
  p.className = "alert";
  p.textContent = text;
  errorBox.append(p);
  if (error instanceof E.CryptoError && /^share from teller/.test(error.message)) {
    const hint = document.createElement("p");
    hint.className = "alert";
    hint.textContent = _("Tell the chair: the ceremony must start again without that teller.");
    errorBox.append(hint);
  }
  $("retry").hidden = from !== "auto";
}

// --- the ceremony, one step at a time ----------------------------------------------------------

function freshSecrets(threshold) {
  const transport = E.makeTransportKey(CONTEXT, INDEX);
  const coefficients = E.makePolynomial(threshold);
  return {
    transport: E.scalarHex(transport.secret),
    coefficients: coefficients.map(E.scalarHex),
    published: {
      transport_key: transport.published,
      commitments: E.commit(CONTEXT, INDEX, coefficients),
    },
  };
}

/** Round 1 and the public half of round 2. A message not yet accepted is
 * sent again as it was; once shares went out, never reused. */
async function publish(secrets, threshold) {
  const reusable =
    secrets.published &&
    !secrets.shares &&
    !secrets.sharesSent &&
    secrets.published.commitments.commitments.length === threshold;
  const next = reusable ? secrets : freshSecrets(threshold);
  save(next);
  ceremony = await api("POST", `${BASE}publish/`, next.published);
}

/** Round 2: f(i) for every teller, sealed to its transport key. Kept until
 * the server has them, so that a resend is the same message. */
async function sendShares(secrets) {
  if (!secrets.shares) {
    for (const t of ceremony.tellers) E.verifyTransportKey(CONTEXT, t.transport_key);
    const coefficients = secrets.coefficients.map((c) => E.decodeScalar(c));
    secrets.shares = ceremony.tellers.map((t) =>
      E.encryptShare(CONTEXT, INDEX, t.transport_key, coefficients,
        secrets.published.commitments.commitments),
    );
    save(secrets);
  }
  ceremony = await api("POST", `${BASE}shares/`, { shares: secrets.shares });
}

/** Round 3: open and check every share (Feldman), keep x_i, prove it. */
async function confirmShares(secrets) {
  if (!secrets.share) {
    const mine = await api("GET", `${BASE}shares/`);
    ceremony = mine.ceremony;
    const byIndex = new Map(ceremony.tellers.map((t) => [t.index, t.commitments]));
    for (const c of byIndex.values()) E.verifyCommitments(CONTEXT, ceremony.threshold, c);
    if (mine.shares.length !== ceremony.tellers.length) return; // not all in yet
    const transport = E.decodeScalar(secrets.transport);
    const values = mine.shares.map((share) =>
      E.decryptShare(CONTEXT, share, transport, byIndex.get(share.sender)),
    );
    const share = E.combineShares(values);
    secrets.share = E.scalarHex(share);
    secrets.confirmation = E.confirm(CONTEXT, INDEX, share, E.electionKey(allCommitments()));
    save(secrets);
  }
  ceremony = await api("POST", `${BASE}confirm/`, { proof: secrets.confirmation });
}

/** Drop what is no longer needed once the server holds its result. */
function forget(secrets, mine) {
  let changed = false;
  if (mine.shares_sent && secrets.coefficients) {
    delete secrets.coefficients;
    delete secrets.shares;
    secrets.sharesSent = true; // if the chair starts over, a fresh polynomial
    changed = true;
  }
  if (mine.ready && secrets.transport) {
    delete secrets.transport;
    delete secrets.confirmation;
    changed = true;
  }
  if (changed) save(secrets);
}

/** Is this device the one that published this teller's messages? */
function holdsPublished(secrets, mine) {
  return Boolean(
    secrets.published &&
      mine.transport_key &&
      secrets.published.transport_key.key === mine.transport_key.key,
  );
}

/** The next step the ceremony allows; true when one was taken. */
async function step() {
  const mine = me();
  const secrets = load();
  if (!mine.transport_key) {
    await publish(secrets, ceremony.threshold);
    return true;
  }
  if (!holdsPublished(secrets, mine)) return false; // another device's, or lost: render says
  forget(secrets, mine);
  if (!mine.shares_sent && everyone("transport_key") && everyone("commitments")) {
    await sendShares(secrets);
    return true;
  }
  if (!mine.ready && everyone("shares_sent")) {
    await confirmShares(secrets);
    return me().ready;
  }
  return false;
}

/** Follow the server: fetch, then take every step the others allow. */
async function advance() {
  if (busy) {
    again = true;
    return;
  }
  busy = true;
  try {
    do {
      again = false;
      await fetchState();
      const mine = me();
      if (!mine) {
        showError(new Error(_("You are no longer a teller of this poll.")));
        break;
      }
      if (mine.index !== INDEX) {
        window.location.reload(); // the chair named the tellers again, in another order
        return;
      }
      if (pollState() === "draft") {
        for (let n = 0; n < 4 && (await step()); n++) render();
      }
      if (errorFrom === "auto") showError(null);
      $("retry").hidden = true;
      render();
    } while (again);
  } catch (error) {
    if (ceremony) render();
    showError(error);
  } finally {
    busy = false;
  }
}

// --- rendering ---------------------------------------------------------------------------------

function ceremonySentence(mine, secrets) {
  const n = ceremony.tellers.length;
  const of = (field) =>
    interpolate(_("%(done)s of %(n)s"), { done: formatNumber(countWith(ceremony, field)), n: formatNumber(n) });
  switch (pollState()) {
    case "open":
      return _("The poll is open. Come back when it closes to decrypt the result.");
    case "decrypting":
      return _("Voting has ended: the result waits for the tellers to decrypt it.");
    case "closed":
    case "published":
      return _("The result is decrypted.");
    case "cancelled":
      return _("The poll was cancelled.");
    default:
      break;
  }
  if (mine.transport_key && !holdsPublished(secrets, mine) && !mine.ready) {
    return _("Your keys were published from another device or this browser lost them. Continue there, or ask the chair to name the tellers again to start over.");
  }
  if (!everyone("transport_key")) {
    return interpolate(_("Waiting for every teller to publish a key: %(count)s."), { count: of("transport_key") });
  }
  if (!everyone("shares_sent")) {
    return interpolate(_("Waiting for every teller to send shares: %(count)s."), { count: of("shares_sent") });
  }
  if (!everyone("ready")) {
    return interpolate(_("Waiting for every teller to check their shares: %(count)s ready."), { count: of("ready") });
  }
  return _("The poll's key is ready. Compare the fingerprint aloud; then the chair can open the poll.");
}

function renderFingerprint() {
  const panel = $("fingerprint-panel");
  // Compared before the poll opens; afterwards it would only crowd the phone.
  const ready =
    ["draft", "open"].includes(pollState()) && everyone("transport_key") && everyone("commitments");
  panel.hidden = !ready;
  if (!ready) return;
  const mine = E.ceremonyFingerprint(
    CONTEXT,
    ceremony.threshold,
    ceremony.tellers.map((t) => t.transport_key),
    allCommitments(),
  );
  const box = $("fingerprint");
  if (box.dataset.value !== mine) {
    box.dataset.value = mine;
    box.replaceChildren(
      ...mine.split(" ").map((group) => {
        const span = document.createElement("span");
        span.className = "fingerprint-group";
        span.textContent = group;
        return span;
      }),
    );
  }
  $("fingerprint-warning").hidden = ceremony.fingerprint === mine;
}

function renderDecrypt(mine, secrets) {
  const panel = $("decrypt-panel");
  const waiting = pollState() === "decrypting";
  panel.hidden = !waiting;
  if (!waiting) return;
  const button = $("decrypt");
  let line = decryptedSentence(ceremony);
  if (mine.decrypted) line += ` ${_("You have decrypted your part.")}`;
  else if (!secrets.share) line += ` ${_("Restore your key share below to decrypt.")}`;
  $("decrypt-status").textContent = line;
  button.hidden = mine.decrypted;
  button.disabled = !secrets.share;
}

function renderResult() {
  const panel = $("result-panel");
  const done = ["closed", "published"].includes(pollState());
  panel.hidden = !done;
  if (!done) return;
  const result = poll && poll.result;
  const lang = document.documentElement.lang;
  $("result-sentence").textContent = result
    ? (result.sentences && result.sentences[lang]) || result.sentence || ""
    : _("The result is not shown to members yet.");
}

function render() {
  const mine = me();
  if (!mine) return;
  const secrets = load();
  $("teller-role").textContent = interpolate(
    _("You are teller %(index)s of %(n)s; %(k)s of them must decrypt together."),
    {
      index: formatNumber(INDEX),
      n: formatNumber(ceremony.tellers.length),
      k: formatNumber(ceremony.threshold),
    },
  );
  status.textContent = ceremonySentence(mine, secrets);
  tellerList($("teller-list"), ceremony, INDEX);
  renderFingerprint();
  const live = pollState() !== "cancelled" && pollState() !== "closed" && pollState() !== "published";
  $("backup-panel").hidden = !(secrets.share && mine.ready && live);
  if (!$("backup-passphrase").value) $("backup-passphrase").value = proposePassphrase();
  $("restore-panel").hidden = !(mine.ready && !secrets.share && live);
  renderDecrypt(mine, secrets);
  renderResult();
  main.dataset.tellerState = `${pollState()}:${mine.ready ? "ready" : "making"}`;
}

// --- backup and restore -----------------------------------------------------------------------

const PASS_LETTERS = "abcdefghjkmnpqrstuvwxyz23456789"; // no 0/o, 1/l/i

/** 24 random letters (about 119 bits) in groups of four, easy to copy by hand. */
function proposePassphrase() {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  const letters = Array.from(bytes, (b) => PASS_LETTERS[b % PASS_LETTERS.length]).join("");
  return letters.match(/.{4}/g).join("-");
}

$("new-passphrase").addEventListener("click", () => {
  $("backup-passphrase").value = proposePassphrase();
  $("backup-result").hidden = true;
});

const SVG = "http://www.w3.org/2000/svg";

/** The backup code as a QR code, drawn in the page (uqr, vendored from npm).
 * Without it the code stays printable as text. */
async function drawQr(code) {
  const box = $("backup-qr");
  box.replaceChildren();
  let encode;
  try {
    ({ encode } = await import(box.dataset.module));
  } catch {
    return;
  }
  // Upper-case letters, digits and dashes: the QR's compact alphanumeric mode.
  // Without the dashes (restoring ignores them): a smaller code.
  const { data, size } = encode(code.replace(/-/g, ""), { ecc: "M", border: 4 });
  let path = "";
  data.forEach((row, y) =>
    row.forEach((dark, x) => {
      if (dark) path += `M${x} ${y}h1v1h-1z`;
    }),
  );
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", `0 0 ${size} ${size}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", _("QR code of the backup code"));
  svg.setAttribute("shape-rendering", "crispEdges");
  const back = document.createElementNS(SVG, "rect");
  back.setAttribute("width", String(size));
  back.setAttribute("height", String(size));
  back.setAttribute("fill", "#fff");
  const marks = document.createElementNS(SVG, "path");
  marks.setAttribute("d", path);
  marks.setAttribute("fill", "#000");
  svg.append(back, marks);
  box.append(svg);
}

$("backup-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const passphrase = $("backup-passphrase").value.trim();
  showError(null);
  if (passphrase.length < 16) {
    showError(new Error(_("The passphrase must be at least 16 characters long.")), "user");
    $("backup-passphrase").focus();
    return;
  }
  const secrets = load();
  const button = event.submitter;
  button.disabled = true;
  try {
    const code = await E.sealBackup(CONTEXT, INDEX, E.decodeScalar(secrets.share), passphrase);
    $("backup-code").replaceChildren(
      ...code.split("-").map((group) => {
        const span = document.createElement("span");
        span.className = "code-group";
        span.textContent = group;
        return span;
      }),
    );
    await drawQr(code);
    $("backup-print-title").textContent = interpolate(
      _("Backup of teller %(index)s's key share, poll “%(title)s” (%(poll)s)"),
      { index: formatNumber(INDEX), title: data.title, poll: CONTEXT },
    );
    $("backup-result").hidden = false;
    secrets.backedUp = true;
    save(secrets);
    $("backup-code").focus();
  } catch (error) {
    showError(error, "user");
  } finally {
    button.disabled = false;
  }
});

$("restore-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const code = $("restore-code").value;
  const passphrase = $("restore-passphrase").value.trim();
  showError(null);
  if (!code.trim() || !passphrase) {
    showError(new Error(_("Enter the backup code and its passphrase.")), "user");
    return;
  }
  const button = event.submitter;
  button.disabled = true;
  try {
    const publicShare = E.publicShare(allCommitments(), INDEX);
    const share = await E.openBackup(code, CONTEXT, INDEX, passphrase, publicShare);
    save({ ...load(), share: E.scalarHex(share), backedUp: true });
    $("restore-form").reset();
    render();
    $("ceremony-status").textContent = _("Your key share is restored on this device.");
  } catch (error) {
    showError(error, "user");
  } finally {
    button.disabled = false;
  }
});

// --- decryption -------------------------------------------------------------------------------

$("decrypt").addEventListener("click", async () => {
  const secrets = load();
  if (!secrets.share || !ceremony || !ceremony.products) return;
  const button = $("decrypt");
  button.disabled = true;
  showError(null);
  $("decrypt-status").textContent = _("Decrypting…");
  try {
    const share = E.decodeScalar(secrets.share);
    // One partial per product, in the server's order, whatever products there are.
    const partials = ceremony.products.map((product) =>
      E.partialDecrypt(CONTEXT, product.name, INDEX, share, product),
    );
    poll = await api("POST", `${BASE}decrypt/`, { partials });
  } catch (error) {
    render();
    showError(error, "user");
    return;
  }
  await advance();
});

$("retry").addEventListener("click", () => advance());

// --- following the meeting --------------------------------------------------------------------

const socket = new MeetingSocket({
  meetingId: data.meeting,
  banner: $("connection-banner"),
  loginUrl: main.dataset.loginUrl,
  onSnapshot: () => advance(),
  onEvent(event) {
    if (event.type === "poll.changed" && event.poll && event.poll.id === POLL_ID) advance();
  },
});
socket.start();
// Events are the fast path; this catches anything missed on a weak network.
window.setInterval(() => {
  if (document.visibilityState === "visible") advance();
}, FALLBACK_POLL_MS);
