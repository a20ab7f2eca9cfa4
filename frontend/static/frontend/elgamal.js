// Encrypted secret ballots on the phone and the tellers' page: the JavaScript
// twin of voting/crypto/ (Python), byte for byte. The protocol and every
// encoding are in docs/encrypted-ballots.md; tests/voting/vectors/elgamal.json
// holds the vectors both sides reproduce (tests/voting/test_crypto_browser.py).
//
// ristretto255 from @noble/curves, SHA-512/SHA-256 from @noble/hashes and
// ChaCha20-Poly1305 from @noble/ciphers (npm, package-lock.json), so it works
// on a plain-HTTP hall address where the browser gives no crypto.subtle.
// Their files import each other by bare names: a page that loads this module
// declares the import map
//   {"imports": {"@noble/curves/": "/static/vendor/noble-curves/",
//                "@noble/hashes/": "/static/vendor/noble-hashes/",
//                "@noble/ciphers/": "/static/vendor/noble-ciphers/"}}
// Randomness comes from crypto.getRandomValues only.
//
// Scalars are BigInt below L; points are noble ristretto255 points inside
// and lowercase hex of their 32-byte encoding outside. Every function that
// draws randomness takes an optional `rng` (a function returning a scalar);
// the order of draws matches the Python functions of the same names.

import { ristretto255 } from "@noble/curves/ed25519.js";
import { scryptAsync } from "@noble/hashes/scrypt.js";
import { sha256, sha512 } from "@noble/hashes/sha2.js";
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";

const Point = ristretto255.Point;
export const L = 2n ** 252n + 27742317777372353535851937790883648493n;
export const DOMAIN_PREFIX = "union-meetings/elgamal/v1/";
const G = Point.BASE;
const ZERO = Point.ZERO;
const encoder = new TextEncoder();

/** A value or proof that does not hold; the message matches the Python one. */
export class CryptoError extends Error {}

// --- bytes --------------------------------------------------------------------

function concat(parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

export function toHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function fromHexExact(text, what, length = 32) {
  if (typeof text !== "string" || text.length !== 2 * length || !/^[0-9a-fA-F]*$/.test(text)) {
    throw new CryptoError(`${what}: expected ${2 * length} hexadecimal digits`);
  }
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = parseInt(text.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** u64 big-endian. */
export function u64(n) {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(n));
  return out;
}

/** Length-prefixed: u32 big-endian length, then the bytes (text as UTF-8). */
export function lp(value) {
  const raw = typeof value === "string" ? encoder.encode(value) : value;
  const out = new Uint8Array(4 + raw.length);
  new DataView(out.buffer).setUint32(0, raw.length);
  out.set(raw, 4);
  return out;
}

/** Text and bytes as lp(...); integers (number or BigInt) as lp(u64(n)); points as their bytes. */
export function encodeFields(fields) {
  return concat(
    fields.map((f) => {
      if (typeof f === "number" || typeof f === "bigint") return lp(u64(f));
      if (f instanceof Point) return lp(f.toBytes());
      return lp(f);
    }),
  );
}

function leToBigInt(bytes) {
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]);
  return n;
}

function mod(n) {
  const r = n % L;
  return r < 0n ? r + L : r;
}

/** A scalar as 32 bytes little-endian. */
export function scalarBytes(k) {
  let n = mod(k);
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}

export const scalarHex = (k) => toHex(scalarBytes(k));

export function decodeScalar(text, what = "scalar") {
  const bytes = text instanceof Uint8Array ? text : fromHexExact(text, what);
  if (bytes.length !== 32) throw new CryptoError(`${what}: a scalar is 32 bytes`);
  const k = leToBigInt(bytes);
  if (k >= L) throw new CryptoError(`${what}: scalar is not reduced modulo the group order`);
  return k;
}

/** A checked point from hex: canonical ristretto255, not the identity unless allowed. */
export function decodePoint(text, what = "point", allowIdentity = false) {
  const bytes = fromHexExact(text, what);
  if (bytes.every((b) => b === 0)) {
    if (allowIdentity) return ZERO;
    throw new CryptoError(`${what}: the identity point is not allowed here`);
  }
  try {
    return Point.fromBytes(bytes);
  } catch {
    throw new CryptoError(`${what}: not a valid ristretto255 encoding`);
  }
}

export const pointHex = (p) => toHex(p.toBytes());

/** SHA-512(lp(prefix + domain) || encodeFields(fields)) mod L. */
export function hashToScalar(domain, fields) {
  return mod(leToBigInt(sha512(concat([lp(DOMAIN_PREFIX + domain), encodeFields(fields)]))));
}

// --- randomness ----------------------------------------------------------------

/** 64 bytes from crypto.getRandomValues reduced mod L. */
export function randomScalar() {
  const bytes = new Uint8Array(64);
  crypto.getRandomValues(bytes);
  return mod(leToBigInt(bytes));
}

/** Test vectors only: SHA-512(lp(prefix+"test-rng") || lp(seed) || u64(n)) mod L. */
export function deterministicRng(seed) {
  let counter = 0;
  return () => {
    const digest = sha512(concat([lp(DOMAIN_PREFIX + "test-rng"), lp(seed), u64(counter)]));
    counter += 1;
    return mod(leToBigInt(digest));
  };
}

// --- group -----------------------------------------------------------------------

/** k·P for any k; the identity when k ≡ 0. Constant-time multiplication. */
function mul(k, p) {
  const s = mod(k);
  if (s === 0n || p.is0()) return ZERO;
  return p.multiply(s);
}

/** Same, for public values only (verification): variable time. */
function mulPublic(k, p) {
  const s = mod(k);
  if (s === 0n || p.is0()) return ZERO;
  return p.multiplyUnsafe(s);
}

const base = (k) => mul(k, G);

// --- ElGamal -------------------------------------------------------------------

/** (r·G, m·G + r·H) and r. */
export function encrypt(publicKey, m, rng = randomScalar) {
  if (m < 0) throw new RangeError("exponential ElGamal encrypts non-negative integers here");
  const r = rng();
  return { c: { a: base(r), b: base(BigInt(m)).add(mul(r, publicKey)) }, r };
}

const addCiphertexts = (x, y) => ({ a: x.a.add(y.a), b: x.b.add(y.b) });
const sumCiphertexts = (list) => list.reduce(addCiphertexts, { a: ZERO, b: ZERO });
const ciphertextJson = (c) => ({ a: pointHex(c.a), b: pointHex(c.b) });

function ciphertextFromJson(data, what) {
  if (!data || typeof data !== "object") throw new CryptoError(`${what}: expected an object with a and b`);
  return { a: decodePoint(data.a, `${what}.a`), b: decodePoint(data.b, `${what}.b`) };
}

// --- proofs ------------------------------------------------------------------------

const MAX_BRANCHES = 257;

function valuesFields(publicKey, c, values, context) {
  return [...context, values.length, ...values, G, publicKey, c.a, c.b];
}

function branchCommitments(publicKey, c, v, ch, s, multiply) {
  return [
    multiply(s, G).subtract(multiply(ch, c.a)),
    multiply(s, publicKey).subtract(multiply(ch, c.b.subtract(mul(BigInt(v), G)))),
  ];
}

/**
 * Disjunctive Chaum–Pedersen proof that c encrypts one of `values` (m among
 * them). Draws w, then (c_i, s_i) for each simulated branch in order. Every
 * branch computes the simulated commitments, so the work does not depend on m;
 * the real one then replaces them with w·G, w·H.
 */
export function proveValues(publicKey, c, r, m, values, context, rng = randomScalar) {
  const real = values.indexOf(m);
  if (real < 0 || new Set(values).size !== values.length) throw new RangeError("m is not among the values");
  const w = rng();
  const challenges = values.map(() => 0n);
  const responses = values.map(() => 0n);
  values.forEach((_, i) => {
    if (i !== real) {
      challenges[i] = rng();
      responses[i] = rng();
    }
  });
  const commitments = [];
  values.forEach((v, i) => {
    // The real branch does the same work with dummy (non-zero) values, then its own.
    const [ch, s] = i === real ? [w, w] : [challenges[i], responses[i]];
    const simulated = branchCommitments(publicKey, c, v, ch, s, mul);
    commitments.push(...(i === real ? [base(w), mul(w, publicKey)] : simulated));
  });
  const challenge = hashToScalar("values", [...valuesFields(publicKey, c, values, context), ...commitments]);
  challenges[real] = mod(challenge - challenges.reduce((x, y) => x + y, 0n));
  responses[real] = mod(w + challenges[real] * r);
  return { challenges: challenges.map(scalarHex), responses: responses.map(scalarHex) };
}

function disjunctiveFromJson(data, what) {
  if (!data || typeof data !== "object") {
    throw new CryptoError(`${what}: expected an object with challenges and responses`);
  }
  if (!Array.isArray(data.challenges) || !Array.isArray(data.responses)) {
    throw new CryptoError(`${what}: challenges and responses must be lists`);
  }
  if (data.challenges.length > MAX_BRANCHES || data.responses.length > MAX_BRANCHES) {
    throw new CryptoError(`${what}: too many branches`);
  }
  return {
    challenges: data.challenges.map((c, i) => decodeScalar(c, `${what}.challenges[${i}]`)),
    responses: data.responses.map((s, i) => decodeScalar(s, `${what}.responses[${i}]`)),
  };
}

/** True when the proof (JSON) shows that c encrypts one of `values` in this context. */
export function verifyValues(publicKey, c, proofJson, values, context, what = "proof") {
  const proof = disjunctiveFromJson(proofJson, what);
  if (proof.challenges.length !== values.length || proof.responses.length !== values.length) return false;
  const commitments = [];
  values.forEach((v, i) => {
    commitments.push(...branchCommitments(publicKey, c, v, proof.challenges[i], proof.responses[i], mulPublic));
  });
  const challenge = hashToScalar("values", [...valuesFields(publicKey, c, values, context), ...commitments]);
  return mod(proof.challenges.reduce((x, y) => x + y, 0n)) === challenge;
}

function proofFromJson(data, what) {
  if (!data || typeof data !== "object") {
    throw new CryptoError(`${what}: expected an object with challenge and response`);
  }
  return {
    challenge: decodeScalar(data.challenge, `${what}.challenge`),
    response: decodeScalar(data.response, `${what}.response`),
  };
}

/** Chaum–Pedersen: X = x·G and Y = x·P with the same x. Draws w. */
export function proveDleq(x, point, context, rng = randomScalar) {
  const X = base(x);
  const Y = mul(x, point);
  const w = rng();
  const ch = hashToScalar("dleq", [...context, G, X, point, Y, base(w), mul(w, point)]);
  return { X, Y, proof: { challenge: scalarHex(ch), response: scalarHex(mod(w + ch * x)) } };
}

export function verifyDleq(X, point, Y, proofJson, context, what = "proof") {
  const { challenge, response } = proofFromJson(proofJson, what);
  const t1 = mulPublic(response, G).subtract(mulPublic(challenge, X));
  const t2 = mulPublic(response, point).subtract(mulPublic(challenge, Y));
  return hashToScalar("dleq", [...context, G, X, point, Y, t1, t2]) === challenge;
}

/** Schnorr proof of knowledge of x for X = x·G. Draws w. */
export function proveKnowledge(x, context, rng = randomScalar) {
  const w = rng();
  const ch = hashToScalar("knowledge", [...context, G, base(x), base(w)]);
  return { challenge: scalarHex(ch), response: scalarHex(mod(w + ch * x)) };
}

export function verifyKnowledge(X, proofJson, context, what = "proof") {
  const { challenge, response } = proofFromJson(proofJson, what);
  const t = mulPublic(response, G).subtract(mulPublic(challenge, X));
  return hashToScalar("knowledge", [...context, G, X, t]) === challenge;
}

// --- ballots ---------------------------------------------------------------------

const MAX_OPTIONS = 256;

function ciphertextsBytes(ciphertexts) {
  return concat([
    lp(DOMAIN_PREFIX + "ballot"),
    u64(ciphertexts.length),
    ...ciphertexts.flatMap((c) => [c.a.toBytes(), c.b.toBytes()]),
  ]);
}

const ballotDigest = (ciphertexts) => sha512(ciphertextsBytes(ciphertexts));
const optionContext = (ctx, digest, i) => ["option", ctx.poll, ctx.voter, digest, i];
const countContext = (ctx, digest) => ["count", ctx.poll, ctx.voter, digest];
const range = (lo, hi) => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);

/**
 * What the count proof proves, as voting.crypto.ballots.count_statement: the
 * ciphertext of S and the values S may take. Without abstain S is the number
 * of marks, in [min, max]; with abstain at index a, S = Σ_{j≠a} m_j + n·m_a
 * (n options), in [min, max] or equal to n: abstain is marked alone or not at all.
 */
function countStatement(ciphertexts, minMarks, maxMarks, abstain) {
  const n = ciphertexts.length;
  const values = range(minMarks, maxMarks);
  if (abstain === null || abstain === undefined) return { total: sumCiphertexts(ciphertexts), values };
  if (!(Number.isInteger(abstain) && 0 <= abstain && abstain < n && maxMarks < n)) {
    throw new RangeError("need 0 <= abstain < number of options and max < number of options");
  }
  const others = sumCiphertexts(ciphertexts.filter((_, j) => j !== abstain));
  const { a, b } = ciphertexts[abstain];
  const weighted = { a: mulPublic(BigInt(n), a), b: mulPublic(BigInt(n), b) };
  return { total: addCiphertexts(others, weighted), values: [...values, n] };
}

/** The message when the count proof fails, as voting.crypto.ballots.count_fault. */
function countFault(minMarks, maxMarks, abstain) {
  const alone = abstain === null || abstain === undefined ? "" : ", or abstain alone,";
  return `ballot: the proof that between ${minMarks} and ${maxMarks} options${alone} are marked does not hold`;
}

/**
 * Encrypt a ballot: `choices` is one 0/1 mark per option; `context` is
 * {poll, voter} as the server names them; `abstain` the index of the poll's
 * abstain option (null without one), [min, max] bounding the other options'
 * marks. Draws r per option, then each option's proof, then the count proof.
 * Returns the ballot's JSON.
 */
export function encryptBallot(publicKeyHex, choices, minMarks, maxMarks, context,
  { abstain = null, rng = randomScalar } = {}) {
  const publicKey = decodePoint(publicKeyHex, "poll key");
  if (!choices.length || choices.length > MAX_OPTIONS || choices.some((m) => m !== 0 && m !== 1)) {
    throw new RangeError("a ballot marks each option 0 or 1");
  }
  if (!(0 <= minMarks && minMarks <= maxMarks && maxMarks <= choices.length)) {
    throw new RangeError("need 0 <= min <= max <= number of options");
  }
  const pairs = choices.map((m) => encrypt(publicKey, m, rng));
  const ciphertexts = pairs.map((p) => p.c);
  const { total, values } = countStatement(ciphertexts, minMarks, maxMarks, abstain);
  const weights = choices.map((_, j) => (j === abstain ? choices.length : 1));
  const marked = choices.reduce((x, m, j) => x + weights[j] * m, 0);
  if (!values.includes(marked)) {
    throw new RangeError("the marks are outside [min, max] and are not abstain alone");
  }
  const digest = ballotDigest(ciphertexts);
  const proofs = pairs.map((p, i) =>
    proveValues(publicKey, p.c, p.r, choices[i], [0, 1], optionContext(context, digest, i), rng),
  );
  const countProof = proveValues(
    publicKey,
    total,
    mod(pairs.reduce((x, p, j) => x + BigInt(weights[j]) * p.r, 0n)),
    marked,
    values,
    countContext(context, digest),
    rng,
  );
  return {
    options: ciphertexts.map((c, i) => ({ ...ciphertextJson(c), proof: proofs[i] })),
    count_proof: countProof,
  };
}

function ballotCiphertexts(ballot) {
  if (!ballot || typeof ballot !== "object" || !Array.isArray(ballot.options)) {
    throw new CryptoError("ballot: expected an object with options and count_proof");
  }
  if (ballot.options.length < 1 || ballot.options.length > MAX_OPTIONS) {
    throw new CryptoError("ballot: wrong number of options");
  }
  return ballot.options.map((o, i) => ciphertextFromJson(o, `option ${i}`));
}

/** The ballot's tracker (receipt): hex SHA-256 of the ballot digest's input. */
export function ballotTracker(ballot) {
  return toHex(sha256(ciphertextsBytes(ballotCiphertexts(ballot))));
}

/** Throw CryptoError naming the first fault, as voting.crypto.ballots.verify_ballot. */
export function verifyBallot(publicKeyHex, ballot, nOptions, minMarks, maxMarks, context, abstain = null) {
  const publicKey = decodePoint(publicKeyHex, "poll key");
  const ciphertexts = ballotCiphertexts(ballot);
  if (ciphertexts.length !== nOptions) {
    throw new CryptoError(`ballot: expected ${nOptions} options, got ${ciphertexts.length}`);
  }
  const digest = ballotDigest(ciphertexts);
  ciphertexts.forEach((c, i) => {
    const ok = verifyValues(publicKey, c, ballot.options[i].proof, [0, 1], optionContext(context, digest, i),
      `option ${i} proof`);
    if (!ok) throw new CryptoError(`option ${i}: the proof that it encrypts 0 or 1 does not hold`);
  });
  let statement;
  try {
    statement = countStatement(ciphertexts, minMarks, maxMarks, abstain);
  } catch (error) {
    throw new CryptoError(`ballot: ${error.message}`);
  }
  const ok = verifyValues(publicKey, statement.total, ballot.count_proof, statement.values,
    countContext(context, digest), "count proof");
  if (!ok) throw new CryptoError(countFault(minMarks, maxMarks, abstain));
}

// --- tellers: key generation ---------------------------------------------------------

/** Round 1: {secret, published: {index, key, proof}}. Draws e, then w. */
export function makeTransportKey(poll, index, rng = randomScalar) {
  const secret = rng();
  const proof = proveKnowledge(secret, ["transport-key", poll, index], rng);
  return { secret, published: { index, key: pointHex(base(secret)), proof } };
}

export function verifyTransportKey(poll, published) {
  const key = decodePoint(published.key, `teller ${published.index} transport key`);
  if (!verifyKnowledge(key, published.proof, ["transport-key", poll, published.index])) {
    throw new CryptoError(`teller ${published.index}: the proof of knowledge of the transport key does not hold`);
  }
}

/** k random coefficients, in order. */
export function makePolynomial(threshold, rng = randomScalar) {
  if (threshold < 1) throw new RangeError("the threshold is at least 1");
  return Array.from({ length: threshold }, () => rng());
}

export function evaluate(coefficients, x) {
  let result = 0n;
  for (let t = coefficients.length - 1; t >= 0; t--) result = mod(result * BigInt(x) + coefficients[t]);
  return result;
}

const commitmentsContext = (poll, index, points) => ["commitments", poll, index, points.length, ...points];

/** Round 2: {index, commitments (hex), proof of a_0}. Draws the proof's w. */
export function commit(poll, index, coefficients, rng = randomScalar) {
  const points = coefficients.map(base);
  const proof = proveKnowledge(coefficients[0], commitmentsContext(poll, index, points), rng);
  return { index, commitments: points.map(pointHex), proof };
}

function commitmentPoints(published) {
  if (!published || !Array.isArray(published.commitments)) {
    throw new CryptoError(`teller ${published?.index}: commitments must be a list`);
  }
  return published.commitments.map((c, t) => decodePoint(c, `teller ${published.index} commitment ${t}`));
}

export function verifyCommitments(poll, threshold, published) {
  const points = commitmentPoints(published);
  if (points.length !== threshold) {
    throw new CryptoError(`teller ${published.index}: expected ${threshold} commitments, got ${points.length}`);
  }
  if (!verifyKnowledge(points[0], published.proof, commitmentsContext(poll, published.index, points))) {
    throw new CryptoError(`teller ${published.index}: the proof of knowledge of the key part does not hold`);
  }
}

function powMod(b, e) {
  let result = 1n;
  let x = mod(BigInt(b));
  for (let n = BigInt(e); n > 0n; n >>= 1n) {
    if (n & 1n) result = mod(result * x);
    x = mod(x * x);
  }
  return result;
}

function expectedSharePoint(points, index) {
  return points.reduce((acc, c, t) => acc.add(mulPublic(powMod(index, t), c)), ZERO);
}

function shareKey(poll, sender, recipient, ephemeral, transportKey, shared) {
  const material = concat([
    lp(DOMAIN_PREFIX + "share-key"), lp(poll), u64(sender), u64(recipient),
    lp(ephemeral.toBytes()), lp(transportKey.toBytes()), lp(shared.toBytes()),
  ]);
  return sha512(material).slice(0, 32);
}

function shareAssociatedData(poll, sender, recipient, ephemeral, points) {
  return concat([
    lp(DOMAIN_PREFIX + "share"), lp(poll), u64(sender), u64(recipient), lp(ephemeral.toBytes()),
    u64(points.length), ...points.map((p) => p.toBytes()),
  ]);
}

const NONCE = new Uint8Array(12);

/** f(recipient) sealed to the recipient's transport key (published JSON). Draws t. */
export function encryptShare(poll, sender, recipientTransport, coefficients, commitmentsHex, rng = randomScalar) {
  const recipient = recipientTransport.index;
  const transportKey = decodePoint(recipientTransport.key, `teller ${recipient} transport key`);
  const points = commitmentsHex.map((c, t) => decodePoint(c, `commitment ${t}`));
  const t = rng();
  const ephemeral = base(t);
  const key = shareKey(poll, sender, recipient, ephemeral, transportKey, mul(t, transportKey));
  const aad = shareAssociatedData(poll, sender, recipient, ephemeral, points);
  const sealed = chacha20poly1305(key, NONCE, aad).encrypt(scalarBytes(evaluate(coefficients, recipient)));
  return { sender, recipient, ephemeral: pointHex(ephemeral), ciphertext: toHex(sealed) };
}

/** Open f_j(i) with the own transport secret and check it against j's commitments. */
export function decryptShare(poll, share, transportSecret, senderCommitments) {
  if (senderCommitments.index !== share.sender) throw new CryptoError("share: the commitments are another teller's");
  const ephemeral = decodePoint(share.ephemeral, "share ephemeral key");
  const sealed = fromHexExact(share.ciphertext, `share from teller ${share.sender} to teller ${share.recipient}`, 48);
  const points = commitmentPoints(senderCommitments);
  const key = shareKey(poll, share.sender, share.recipient, ephemeral, base(transportSecret),
    mul(transportSecret, ephemeral));
  let plaintext;
  try {
    plaintext = chacha20poly1305(key, NONCE, shareAssociatedData(poll, share.sender, share.recipient, ephemeral,
      points)).decrypt(sealed);
  } catch {
    throw new CryptoError(`share from teller ${share.sender}: could not be opened with this teller's key`);
  }
  const value = decodeScalar(plaintext, `share from teller ${share.sender}`);
  if (!base(value).equals(expectedSharePoint(points, share.recipient))) {
    throw new CryptoError(`share from teller ${share.sender}: does not match the teller's commitments`);
  }
  return value;
}

/** x_i = Σ_j f_j(i). */
export const combineShares = (shares) => mod(shares.reduce((x, y) => x + y, 0n));

/** H = Σ_j C_{j,0}, hex. */
export function electionKey(allCommitments) {
  return pointHex(allCommitments.reduce((acc, c) => acc.add(commitmentPoints(c)[0]), ZERO));
}

/** H_i = Σ_j Σ_t i^t·C_{j,t}, hex. */
export function publicShare(allCommitments, index) {
  return pointHex(allCommitments.reduce((acc, c) => acc.add(expectedSharePoint(commitmentPoints(c), index)), ZERO));
}

/** Round 3: proof of knowledge of x_i bound to the poll key. Draws w. */
export function confirm(poll, index, secretShare, keyHex, rng = randomScalar) {
  return proveKnowledge(secretShare, ["confirmation", poll, index, fromHexExact(keyHex, "poll key")], rng);
}

export function verifyConfirmation(poll, index, publicHex, keyHex, proof) {
  const ok = verifyKnowledge(decodePoint(publicHex, `teller ${index} public share`), proof,
    ["confirmation", poll, index, fromHexExact(keyHex, "poll key")]);
  if (!ok) throw new CryptoError(`teller ${index}: the confirmation does not hold for its public share`);
}

/**
 * The key ceremony's fingerprint the tellers compare before the poll opens
 * (voting.crypto.dkg.ceremony_fingerprint): transport keys and commitments
 * are the published JSON of every teller.
 */
export function ceremonyFingerprint(poll, threshold, transportKeys, allCommitments) {
  const keys = new Map(transportKeys.map((t) => [t.index, decodePoint(t.key, `teller ${t.index} transport key`)]));
  const commitments = new Map(allCommitments.map((c) => [c.index, commitmentPoints(c)]));
  const indices = [...keys.keys()].sort((x, y) => x - y);
  const same = indices.length === commitments.size && indices.every((i) => commitments.has(i));
  if (!same || keys.size !== transportKeys.length) {
    throw new CryptoError("ceremony: every teller needs one transport key and one set of commitments");
  }
  const parts = [lp(DOMAIN_PREFIX + "ceremony"), lp(poll), u64(indices.length), u64(threshold)];
  for (const i of indices) {
    const points = commitments.get(i);
    parts.push(u64(i), keys.get(i).toBytes(), u64(points.length), ...points.map((p) => p.toBytes()));
  }
  const digest = toHex(sha256(concat(parts))).slice(0, 32);
  return digest.match(/.{4}/g).join(" ");
}

// --- tellers: decryption of totals --------------------------------------------------

const decryptionContext = (poll, label, index) => ["decryption", poll, label, index];

/** D_i = x_i·A for a total {a, b} (JSON) with its proof. Draws w. */
export function partialDecrypt(poll, label, index, secretShare, productJson, rng = randomScalar) {
  const a = decodePoint(productJson.a, `${label}.a`, true);
  const { Y, proof } = proveDleq(secretShare, a, decryptionContext(poll, label, index), rng);
  return { index, value: pointHex(Y), proof };
}

export function verifyPartial(poll, label, publicShareHex, productJson, partial) {
  const a = decodePoint(productJson.a, `${label}.a`, true);
  const X = decodePoint(publicShareHex, `teller ${partial.index} public share`);
  const Y = decodePoint(partial.value, `teller ${partial.index} partial decryption`, true);
  const what = `teller ${partial.index} decryption proof`;
  if (!verifyDleq(X, a, Y, partial.proof, decryptionContext(poll, label, partial.index), what)) {
    throw new CryptoError(`teller ${partial.index}: the proof of correct decryption of ${label} does not hold`);
  }
}

// --- tellers: backup of the share ----------------------------------------------------

// voting.crypto.backup: x_i sealed under scrypt(passphrase) with ChaCha20-Poly1305,
// as a base32 code in groups of four letters.
const BACKUP_VERSION = 1;
const BACKUP_LOG_N = 15;
const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

function base32Encode(bytes) {
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

function base32Decode(text) {
  const out = [];
  let bits = 0;
  let value = 0;
  for (const ch of text) {
    const digit = BASE32.indexOf(ch);
    if (digit < 0) return null;
    value = ((value << 5) | digit) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Uint8Array.from(out);
}

async function backupKey(passphrase, salt, logN) {
  const secret = encoder.encode(passphrase.normalize("NFKC"));
  return scryptAsync(secret, salt, { N: 2 ** logN, r: 8, p: 1, dkLen: 32 });
}

const backupAad = (poll, index, head) => concat([lp(DOMAIN_PREFIX + "backup"), lp(poll), u64(index), head]);

/** The printable backup code of x_i (`salt`, 16 bytes, only for test vectors). */
export async function sealBackup(poll, index, secretShare, passphrase, salt = null) {
  if (!passphrase) throw new RangeError("a backup needs a passphrase");
  const saltBytes = salt || crypto.getRandomValues(new Uint8Array(16));
  const head = concat([Uint8Array.of(BACKUP_VERSION, BACKUP_LOG_N), saltBytes]);
  const key = await backupKey(passphrase, saltBytes, BACKUP_LOG_N);
  const body = chacha20poly1305(key, NONCE, backupAad(poll, index, head)).encrypt(scalarBytes(secretShare));
  return base32Encode(concat([head, body])).match(/.{1,4}/g).join("-");
}

/** x_i from a backup code; with `publicShareHex`, also checks x_i·G == H_i. */
export async function openBackup(code, poll, index, passphrase, publicShareHex = null) {
  const raw = base32Decode(code.toUpperCase().replace(/[\s-]/g, ""));
  if (!raw || raw.length !== 66 || raw[0] !== BACKUP_VERSION || raw[1] < 12 || raw[1] > 16) {
    throw new CryptoError("backup: not a backup code");
  }
  const head = raw.slice(0, 18);
  const key = await backupKey(passphrase, head.slice(2), head[1]);
  let plaintext;
  try {
    plaintext = chacha20poly1305(key, NONCE, backupAad(poll, index, head)).decrypt(raw.slice(18));
  } catch {
    throw new CryptoError("backup: wrong passphrase, or the code is for another poll or teller");
  }
  const value = decodeScalar(plaintext, "backup");
  if (publicShareHex !== null && !base(value).equals(decodePoint(publicShareHex, "public share"))) {
    throw new CryptoError("backup: the share does not match this teller's public share");
  }
  return value;
}
