// The heads of a meeting's record chain that this device has seen: kept in
// localStorage so that the end of the record cannot be cut unseen. The phone
// page remembers each closed poll's record fingerprint as the meeting shows
// it; the board remembers every head it checked, and says so when the chain
// it is shown does not contain one of them (docs/audit-format.md, section 10).

const LIMIT = 500;

function storageKey(meetingId) {
  return `uvote:heads:${meetingId}`;
}

function plainHex(text) {
  return String(text || "")
    .replace(/\s/g, "")
    .toLowerCase();
}

/** The heads this device saw for the meeting: [{head, poll, title}], oldest first. */
export function seenHeads(meetingId, storage = window.localStorage) {
  try {
    const kept = JSON.parse(storage.getItem(storageKey(meetingId)) || "[]");
    return Array.isArray(kept) ? kept.filter((h) => h && /^[0-9a-f]{16,64}$/.test(h.head)) : [];
  } catch {
    return [];
  }
}

/**
 * Remember heads (a head hash, or a fingerprint with or without spaces). A
 * head already known by a longer or shorter prefix of the same hash is kept
 * once, with the longer form.
 */
export function rememberHeads(meetingId, heads, storage = window.localStorage) {
  const kept = seenHeads(meetingId, storage);
  let changed = false;
  for (const { head, poll, title } of heads) {
    const hex = plainHex(head);
    if (!/^[0-9a-f]{16,64}$/.test(hex)) continue;
    const same = kept.find((k) => k.head.startsWith(hex) || hex.startsWith(k.head));
    if (same) {
      if (hex.length > same.head.length) {
        same.head = hex;
        changed = true;
      }
      continue;
    }
    kept.push({ head: hex, poll, title: String(title || "") });
    changed = true;
  }
  if (!changed) return;
  try {
    storage.setItem(storageKey(meetingId), JSON.stringify(kept.slice(-LIMIT)));
  } catch {
    // storage full or refused: nothing is remembered on this device
  }
}

/** The remembered heads that are not among the given head hashes. */
export function missingHeads(meetingId, headHashes, storage = window.localStorage) {
  return seenHeads(meetingId, storage).filter(
    (seen) => !headHashes.some((hash) => hash.startsWith(seen.head)),
  );
}
