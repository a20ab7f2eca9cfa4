// Test harness for tests/voting/test_crypto_browser.py: each entry runs in the
// page, with the module of frontend/static/frontend/elgamal.js as window.E.
({
  reproduce: (v) => {
    const E = window.E;
    const rng = (label) => E.deterministicRng(`${v.seed}/${label}`);
    const sample = E.deterministicRng(`${v.seed}/sample`);
    const fields = v.hash.fields.map((f, i) => (i === 3 ? Uint8Array.from(f.match(/../g), (h) => parseInt(h, 16)) : f));
    const out = {
      rng_sample: [0, 1, 2].map(() => E.scalarHex(sample())),
      hash: { encoded: E.toHex(E.encodeFields(fields)), scalar: E.scalarHex(E.hashToScalar(v.hash.domain, fields)) },
      teller_keys: [], shares: [], ballots: [], abstain_ballots: [], totals: [],
    };
    const transport = {}, coefficients = {}, commitments = {};
    for (let i = 1; i <= v.tellers; i++) transport[i] = E.makeTransportKey(v.poll, i, rng(`transport/${i}`));
    for (let j = 1; j <= v.tellers; j++) {
      const draw = rng(`polynomial/${j}`);
      coefficients[j] = E.makePolynomial(v.threshold, draw);
      commitments[j] = E.commit(v.poll, j, coefficients[j], draw);
      for (let i = 1; i <= v.tellers; i++) {
        out.shares.push(E.encryptShare(v.poll, j, transport[i].published, coefficients[j],
          commitments[j].commitments, rng(`share/${j}/${i}`)));
      }
    }
    const all = Object.values(commitments);
    const key = E.electionKey(all);
    out.election_key = key;
    out.ceremony_fingerprint = E.ceremonyFingerprint(v.poll, v.threshold,
      Object.values(transport).map((t) => t.published), all);
    const secret = {};
    for (let i = 1; i <= v.tellers; i++) {
      secret[i] = E.combineShares(Object.values(coefficients).map((c) => E.evaluate(c, i)));
      out.teller_keys.push({
        index: i,
        transport_secret: E.scalarHex(transport[i].secret),
        transport_key: transport[i].published,
        coefficients: coefficients[i].map(E.scalarHex),
        commitments: commitments[i],
        secret_share: E.scalarHex(secret[i]),
        public_share: E.publicShare(all, i),
        confirmation: E.confirm(v.poll, i, secret[i], key, rng(`confirmation/${i}`)),
      });
    }
    v.ballots.forEach((b, n) => {
      const ballot = E.encryptBallot(key, b.marks, v.min_marks, v.max_marks, { poll: v.poll, voter: b.voter },
        { rng: rng(`ballot/${n}`) });
      out.ballots.push({ voter: b.voter, marks: b.marks, weight: b.weight, ballot, tracker: E.ballotTracker(ballot) });
    });
    v.abstain_ballots.forEach((b, n) => {
      const ballot = E.encryptBallot(key, b.marks, v.min_marks, v.max_marks, { poll: v.poll, voter: b.voter },
        { abstain: v.abstain, rng: rng(`abstain/${n}`) });
      out.abstain_ballots.push({ voter: b.voter, marks: b.marks, ballot });
    });
    const cheat = v.abstain_cheat;
    out.abstain_cheat = { voter: cheat.voter, marks: cheat.marks, ballot: E.encryptBallot(key, cheat.marks,
      v.min_marks, v.max_marks, { poll: v.poll, voter: cheat.voter }, { rng: rng("cheat") }) };
    v.totals.forEach((t, option) => {
      out.totals.push(v.decrypting.map((i) => E.partialDecrypt(v.poll, t.label, i, secret[i], t.product,
        rng(`partial/${option}/${i}`))));
    });
    return out;
  },
  accept: (v) => {
    const E = window.E;
    const fails = (f) => { try { f(); return null; } catch (e) { return `${e.constructor.name}: ${e.message}`; } };
    const byIndex = Object.fromEntries(v.teller_keys.map((t) => [t.index, t]));
    const results = { ok: [], refused: {} };
    for (const t of v.teller_keys) {
      E.verifyTransportKey(v.poll, t.transport_key);
      E.verifyCommitments(v.poll, v.threshold, t.commitments);
      E.verifyConfirmation(v.poll, t.index, t.public_share, v.election_key, t.confirmation);
    }
    for (const s of v.shares) {
      const opened = E.decryptShare(v.poll, s, E.decodeScalar(byIndex[s.recipient].transport_secret),
        byIndex[s.sender].commitments);
      results.ok.push(E.scalarHex(opened));
    }
    for (const b of v.ballots) {
      E.verifyBallot(v.election_key, b.ballot, v.options, v.min_marks, v.max_marks, { poll: v.poll, voter: b.voter });
    }
    for (const b of v.abstain_ballots) {
      E.verifyBallot(v.election_key, b.ballot, v.options, v.min_marks, v.max_marks, { poll: v.poll, voter: b.voter },
        v.abstain);
    }
    for (const t of v.totals) {
      for (const p of t.partials) E.verifyPartial(v.poll, t.label, byIndex[p.index].public_share, t.product, p);
    }
    const b = v.ballots[1];
    const tampered = structuredClone(b.ballot);
    tampered.options[2].proof.responses[0] = tampered.options[2].proof.responses[1];
    const t = v.totals[0];
    const p = t.partials[0];
    const s = v.shares.find((x) => x.sender === 2 && x.recipient === 3);
    const badPoint = "ff".repeat(32);
    results.bad_points = v.bad_points.map((p) => fails(() => E.decodePoint(p, "p")));
    results.refused = {
      replayed: fails(() => E.verifyBallot(v.election_key, b.ballot, v.options, v.min_marks, v.max_marks,
        { poll: v.poll, voter: "roll:999" })),
      tampered: fails(() => E.verifyBallot(v.election_key, tampered, v.options, v.min_marks, v.max_marks,
        { poll: v.poll, voter: b.voter })),
      abstain_with_option: fails(() => E.verifyBallot(v.election_key, v.abstain_cheat.ballot, v.options,
        v.min_marks, v.max_marks, { poll: v.poll, voter: v.abstain_cheat.voter }, v.abstain)),
      abstain_unbound: fails(() => E.verifyBallot(v.election_key, v.abstain_ballots[0].ballot, v.options,
        v.min_marks, v.max_marks, { poll: v.poll, voter: v.abstain_ballots[0].voter }, 0)),
      too_many: fails(() => E.verifyBallot(v.election_key, b.ballot, v.options, v.min_marks, 1,
        { poll: v.poll, voter: b.voter })),
      invalid_point: fails(() => E.verifyBallot(v.election_key,
        { ...b.ballot, options: [{ ...b.ballot.options[0], a: badPoint }, ...b.ballot.options.slice(1)] },
        v.options, v.min_marks, v.max_marks, { poll: v.poll, voter: b.voter })),
      partial: fails(() => E.verifyPartial(v.poll, t.label, byIndex[p.index].public_share, t.product,
        { ...p, value: v.totals[1].partials[0].value })),
      share_wrong_key: fails(() => E.decryptShare(v.poll, s, E.decodeScalar(byIndex[1].transport_secret),
        byIndex[2].commitments)),
      share_mismatch: fails(() => E.decryptShare(v.poll, s, E.decodeScalar(byIndex[3].transport_secret),
        { ...byIndex[2].commitments, commitments: byIndex[1].commitments.commitments })),
    };
    return results;
  },
  backup: async (v) => {
    const E = window.E;
    const b = v.backup;
    const teller = v.teller_keys.find((t) => t.index === b.index);
    const other = v.teller_keys.find((t) => t.index !== b.index);
    const salt = Uint8Array.from(b.salt.match(/../g), (h) => parseInt(h, 16));
    const fails = async (f) => { try { await f(); return null; } catch (e) { return e.message; } };
    const start = performance.now();
    const opened = await E.openBackup(b.code.toLowerCase(), v.poll, b.index, b.passphrase, teller.public_share);
    const seconds = (performance.now() - start) / 1000;
    const fresh = await E.sealBackup(v.poll, b.index, E.decodeScalar(teller.secret_share), "another");
    return {
      sealed: await E.sealBackup(v.poll, b.index, E.decodeScalar(teller.secret_share), b.passphrase, salt),
      opened: E.scalarHex(opened),
      seconds,
      fresh,
      wrong: await fails(() => E.openBackup(b.code, v.poll, b.index, b.passphrase + "!")),
      mismatch: await fails(() => E.openBackup(b.code, v.poll, b.index, b.passphrase, other.public_share)),
      garbage: await fails(() => E.openBackup("0000-1111", v.poll, b.index, b.passphrase)),
    };
  },
  fresh: ([key, poll, threshold, transportOfPython, product, secretShare, pythonBallot]) => {
    const E = window.E;
    const ballot = E.encryptBallot(key, [0, 1, 0, 1], 1, 2, { poll, voter: "roll:js" });
    const transport = E.makeTransportKey(poll, 2);
    const coefficients = E.makePolynomial(threshold);
    const commitments = E.commit(poll, 2, coefficients);
    const share = E.encryptShare(poll, 2, transportOfPython, coefficients, commitments.commitments);
    const partial = E.partialDecrypt(poll, "option 0", 1, E.decodeScalar(secretShare), product);
    E.verifyBallot(key, pythonBallot, 4, 1, 2, { poll, voter: "roll:py" });
    return { ballot, transport: transport.published, commitments, share, partial,
             shareValue: E.scalarHex(E.evaluate(coefficients, transportOfPython.index)) };
  },
})
