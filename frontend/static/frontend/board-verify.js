// Checks of the audit records in the browser: canonical JSON, SHA-256,
// RFC 6962 Merkle hashes and audit paths, and Ed25519 signatures. The same
// definitions as voting/merkle.py and voting/verify.py (docs/audit-format.md).
//
// No server round trip is trusted here: the page fetches a proof and this
// module recomputes everything from the entry up to the signed root.

const encoder = new TextEncoder();

/**
 * RFC 8785 canonical JSON of a value parsed from JSON: object keys sorted by
 * UTF-16 code units, no whitespace, strings and numbers as ECMAScript's
 * JSON.stringify writes them (which is what RFC 8785 specifies). The audit
 * records hold only integers, strings, booleans, null, lists and objects.
 */
export function canonicalJson(value) {
  if (value === null || typeof value === "boolean" || typeof value === "string") {
    return JSON.stringify(value);
  }
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError("not a JSON number");
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (typeof value === "object") {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`).join(",")}}`;
  }
  throw new TypeError(`cannot encode a ${typeof value}`);
}

export function canonicalBytes(value) {
  return encoder.encode(canonicalJson(value));
}

export function toHex(bytes) {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export function fromHex(text) {
  if (!/^(?:[0-9a-f]{2})*$/.test(text)) throw new TypeError("not hex");
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i += 1) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function fromBase64(text) {
  const raw = atob(text);
  return Uint8Array.from(raw, (ch) => ch.charCodeAt(0));
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

// --- SHA-256: WebCrypto where the page is a secure context, else this ------------

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/** SHA-256 in plain JavaScript (FIPS 180-4), for pages served without HTTPS. */
export function sha256Plain(data) {
  const bytes = new Uint8Array(data);
  const length = bytes.length;
  const padded = new Uint8Array(((length + 9 + 63) >> 6) << 6);
  padded.set(bytes);
  padded[length] = 0x80;
  const view = new DataView(padded.buffer);
  view.setUint32(padded.length - 8, Math.floor(length / 0x20000000));
  view.setUint32(padded.length - 4, (length << 3) >>> 0);
  const h = new Uint32Array([
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ]);
  const w = new Uint32Array(64);
  const rotr = (x, n) => (x >>> n) | (x << (32 - n));
  for (let offset = 0; offset < padded.length; offset += 64) {
    for (let i = 0; i < 16; i += 1) w[i] = view.getUint32(offset + 4 * i);
    for (let i = 16; i < 64; i += 1) {
      const s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >>> 3);
      const s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >>> 10);
      w[i] = (w[i - 16] + s0 + w[i - 7] + s1) >>> 0;
    }
    let [a, b, c, d, e, f, g, hh] = h;
    for (let i = 0; i < 64; i += 1) {
      const t1 =
        (hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i]) >>> 0;
      const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) >>> 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) >>> 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) >>> 0;
    }
    const add = [a, b, c, d, e, f, g, hh];
    for (let i = 0; i < 8; i += 1) h[i] = (h[i] + add[i]) >>> 0;
  }
  const out = new Uint8Array(32);
  const outView = new DataView(out.buffer);
  for (let i = 0; i < 8; i += 1) outView.setUint32(4 * i, h[i]);
  return out;
}

function subtle() {
  return globalThis.crypto && globalThis.crypto.subtle ? globalThis.crypto.subtle : null;
}

export async function sha256(data) {
  const api = subtle();
  if (api) return new Uint8Array(await api.digest("SHA-256", data));
  return sha256Plain(data);
}

// --- RFC 6962 -------------------------------------------------------------------------

export async function leafHash(entryBytes) {
  return sha256(concat(Uint8Array.of(0), entryBytes));
}

export async function nodeHash(left, right) {
  return sha256(concat(Uint8Array.of(1), left, right));
}

/**
 * The root that `path` proves `leaf` (a leaf hash) is at `index` under, in a
 * tree of `size` leaves; null if the path cannot belong to such a tree
 * (RFC 9162 section 2.1.3.2, as voting/merkle.root_from_proof).
 */
export async function rootFromProof(index, size, leaf, path) {
  if (!(index >= 0 && index < size)) return null;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : null;
}

// --- Ed25519 ----------------------------------------------------------------------------

// Where the browser gives no WebCrypto Ed25519 (no `crypto.subtle` on a
// plain-HTTP origin, as in hall mode; or an older browser), the check runs in
// @noble/ed25519 with SHA-512 from @noble/hashes (npm, package-lock.json),
// fetched only then. Paths are relative to this file under /static/.
const NOBLE_ED25519 = new URL("../vendor/noble-ed25519/index.js", import.meta.url).href;
const NOBLE_SHA2 = new URL("../vendor/noble-hashes/sha2.js", import.meta.url).href;
let noble = null;

/** @noble/ed25519, set up with @noble/hashes' SHA-512; null if it cannot load. */
export async function loadNoble() {
  if (!noble) {
    noble = Promise.all([import(NOBLE_ED25519), import(NOBLE_SHA2)]).then(
      ([ed, sha2]) => {
        ed.hashes.sha512 = sha2.sha512;
        return ed;
      },
      () => null,
    );
  }
  return noble;
}

async function verifyWebCrypto(api, publicKey, signature, message) {
  let key;
  try {
    key = await api.importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]);
  } catch {
    return null; // no Ed25519 in this browser's WebCrypto
  }
  try {
    return await api.verify({ name: "Ed25519" }, key, signature, message);
  } catch {
    return false;
  }
}

/**
 * Verify an Ed25519 signature: with WebCrypto where the browser has it,
 * else with @noble/ed25519. Resolves to true or false, or to null when it
 * could not be checked at all (neither loads). `engine` (optional) forces
 * "webcrypto" or "noble", for tests.
 */
export async function verifyEd25519(publicKeyB64, signatureB64, message, engine = null) {
  let publicKey;
  let signature;
  try {
    publicKey = fromBase64(publicKeyB64);
    signature = fromBase64(signatureB64);
  } catch {
    return false;
  }
  const api = engine === "noble" ? null : subtle();
  if (api) {
    const answer = await verifyWebCrypto(api, publicKey, signature, message);
    if (answer !== null || engine === "webcrypto") return answer;
  }
  const ed = await loadNoble();
  if (!ed) return null;
  try {
    return ed.verify(signature, message, publicKey);
  } catch {
    return false;
  }
}

/** The signed body of a tree head: every field but the signature. */
export function headBody(head) {
  const body = { ...head };
  delete body.signature;
  return body;
}

/**
 * The part of an entry its signature covers: all but the weight class that a
 * secret poll's entry (audit format 3) is given at the close.
 */
export function signedBallot(entry) {
  const ballot = { ...entry };
  delete ballot.class;
  return ballot;
}

/**
 * Check a proof from /api/polls/{id}/proof/ against a signed head and key.
 * The leaf is the whole entry; the receipt's signature, the entry without
 * its weight class (secret polls, format 3), or the whole entry (before).
 * Returns {included, rootMatches, headSigned, entrySigned, leafMatches}; each
 * signature check is true, false, or null (not checked in this browser).
 */
export async function checkProof(proof, head, publicKeyB64) {
  const entryBytes = canonicalBytes(proof.entry);
  const leaf = await leafHash(entryBytes);
  const leafMatches = toHex(leaf) === proof.leaf_hash;
  const root = await rootFromProof(proof.index, head.size, leaf, proof.path.map(fromHex));
  const rootMatches = root !== null && toHex(root) === head.root;
  const headSigned = await verifyEd25519(
    publicKeyB64,
    head.signature,
    canonicalBytes(headBody(head)),
  );
  const entrySigned = await verifyEd25519(
    publicKeyB64,
    proof.signature,
    canonicalBytes(signedBallot(proof.entry)),
  );
  return { included: rootMatches, rootMatches, headSigned, entrySigned, leafMatches };
}

/** The first `length` hex digits in groups of four, as the projector shows them. */
export function groupHex(hex, length) {
  const head = hex.slice(0, length);
  return head.match(/.{1,4}/g).join(" ");
}

/** The key's fingerprint, computed here from the key itself (never the server's word). */
export async function keyFingerprint(publicKeyB64) {
  return groupHex(toHex(await sha256(fromBase64(publicKeyB64))), 32);
}

/** The head's hash (what the next head chains to), computed here from the signed head. */
export async function headHash(head) {
  return toHex(await sha256(canonicalBytes(head)));
}

/** The head's fingerprint: its hash's first 16 hex digits, grouped. */
export async function headFingerprint(head) {
  return groupHex(await headHash(head), 16);
}
