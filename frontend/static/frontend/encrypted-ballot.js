// The phone's encrypted ballot (docs/encrypted-ballots.md, sections 5 and 7a):
// the member's choices encrypted under the poll key, every proof bound to the
// names the server checks. phone-voting.js imports this module only when an
// encrypted poll opens, so plain polls never load the crypto.
import { sha256 } from "@noble/hashes/sha2.js";
import { ballotTracker, encryptBallot, toHex } from "./elgamal.js";

const encoder = new TextEncoder();

/** As voting.services.ballots.nonce_key: hex SHA-256 of "<poll>:<roll entry>:<nonce>". */
export function nonceKey(pollId, rollEntryId, nonce) {
  return toHex(sha256(encoder.encode(`${pollId}:${rollEntryId}:${nonce}`)));
}

/**
 * How many options other than abstain a ballot marks, and the abstain
 * option's index (null without one), as voting.services.encrypted.marks_range:
 * exactly one on a motion or a poll with a No option; otherwise the poll's
 * least and most choices. Abstain is marked alone or not at all.
 */
export function marksRange(poll) {
  const roles = poll.options.map((option) => option.role);
  const abstain = roles.includes("abstain") ? roles.indexOf("abstain") : null;
  if (poll.kind === "motion" || roles.includes("no")) return [1, 1, abstain];
  return [poll.min_choices, Math.max(poll.max_choices, 1), abstain];
}

/**
 * The ballot of `chosen` (option ids) for one roll entry, under `nonce` (the
 * resend key, upper case as the phone sends it): {ballot, tracker}. The
 * tracker is what the server must answer as the receipt.
 */
export function sealBallot(poll, rollEntryId, nonce, chosen) {
  const picked = new Set(chosen.map(Number));
  const marks = poll.options.map((option) => (picked.has(option.id) ? 1 : 0));
  const [low, high, abstain] = marksRange(poll);
  const context = {
    poll: `poll:${poll.id}`,
    voter: `ballot:${nonceKey(poll.id, rollEntryId, nonce)}`,
  };
  const ballot = encryptBallot(poll.public_key, marks, low, high, context, { abstain });
  return { ballot, tracker: ballotTracker(ballot) };
}
