"""Encrypted polls' tellers: naming them, the key ceremony, and decrypting
the totals (docs/encrypted-ballots.md, sections 6 and 7).

The chair names 3 to 5 tellers and the threshold k on a draft secret poll.
Each teller publishes a transport key and commitments (checked here with
voting.crypto.dkg), sends every teller a share encrypted to that teller's
transport key, fetches the shares sent to it and confirms with a proof of
knowledge of its key share. When every teller has confirmed, the poll's key
is fixed and the poll may open. After the close k tellers send partial
decryptions of the totals, each checked; with k of them the result is
decided by the poll's rule and sealed as for a plain poll.

Every message is public: the server relays shares it cannot read.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from meetings.models import Member, Participant
from meetings.services.common import publish_personal
from voting import encrypted_record, permissions, rules
from voting.crypto import dkg
from voting.crypto.group import CryptoError
from voting.crypto.proofs import Proof
from voting.crypto.threshold import PartialDecryption, verify_partial
from voting.exceptions import Conflict, InvalidInput, NotAllowed, NotFound
from voting.models import Poll, Teller, TellerShare
from voting.services import encrypted
from voting.services.closing import settle
from voting.services.common import lock_poll, publish_poll


def _tellers(poll: Poll) -> list[Teller]:
    return list(Teller.objects.filter(poll=poll).order_by("index"))


def _teller_of(poll: Poll, actor: Member) -> Teller:
    teller = Teller.objects.filter(poll=poll, participant__member=actor).first()
    if teller is None:
        raise NotAllowed(_("You are not a teller of this poll."), code="not_a_teller")
    return teller


def _in_ceremony(poll: Poll) -> None:
    if not poll.encrypted:
        raise Conflict(_("This poll does not take encrypted ballots."), code="not_encrypted")
    if poll.state != Poll.State.DRAFT:
        raise Conflict(
            _("The tellers' key is made while the poll is a draft."), code="ceremony_closed"
        )


def _refused(exc: CryptoError) -> InvalidInput:
    """A message or proof the crypto library refused, with its own words."""
    return InvalidInput(str(exc), code="crypto_refused")


@transaction.atomic
def tellers_appoint(
    *, actor: Member, poll: Poll, participant_ids: Sequence[int], threshold: int | None
) -> Poll:
    """Name the tellers of a draft secret poll (3 to 5 participants of the
    meeting, in the order given: their numbers 1..n) and how many of them
    must decrypt (k, 1 <= k <= n), which makes its ballots encrypted. No
    participants: the poll takes plain ballots again. Naming them again
    starts the key ceremony over."""
    poll = lock_poll(poll.pk)
    permissions.require(actor=actor, meeting=poll.meeting, action=permissions.POLL_TELLERS)
    if poll.state != Poll.State.DRAFT:
        raise Conflict(_("Tellers are named while the poll is a draft."))
    ids = list(participant_ids)
    if ids and poll.secrecy != Poll.Secrecy.SECRET:
        raise InvalidInput(_("Only a secret poll takes encrypted ballots."))
    if len(set(ids)) != len(ids):
        raise InvalidInput(_("A teller is named twice."))
    if ids and not encrypted.MIN_TELLERS <= len(ids) <= encrypted.MAX_TELLERS:
        raise InvalidInput(
            _("Name between %(low)d and %(high)d tellers.")
            % {"low": encrypted.MIN_TELLERS, "high": encrypted.MAX_TELLERS}
        )
    if ids and (threshold is None or not 1 <= threshold <= len(ids)):
        raise InvalidInput(
            _("The number of tellers needed to decrypt must be between 1 and %d.") % len(ids)
        )
    participants = {
        p.pk: p for p in Participant.objects.filter(meeting_id=poll.meeting_id, pk__in=ids)
    }
    if len(participants) != len(ids):
        raise NotFound(_("A teller must be a participant of this meeting."))
    # Those named before and now see their links to the tellers' page change.
    before = list(
        Participant.objects.filter(pk__in=Teller.objects.filter(poll=poll).values("participant"))
    )
    TellerShare.objects.filter(poll=poll).delete()
    Teller.objects.filter(poll=poll).delete()
    Teller.objects.bulk_create(
        [
            Teller(poll=poll, participant=participants[pid], index=i)
            for i, pid in enumerate(ids, start=1)
        ]
    )
    poll.encrypted = bool(ids)
    poll.teller_threshold = threshold if ids else None
    poll.public_key = ""
    poll.save(update_fields=["encrypted", "teller_threshold", "public_key"])
    publish_poll(
        poll,
        "poll.tellers_named",
        actor,
        {"tellers": [participants[pid].member.full_name for pid in ids], "threshold": threshold},
    )
    publish_personal(*{p.pk: p for p in [*before, *participants.values()]}.values())
    return poll


def _same_or_conflict(stored: Any, given: Any) -> bool:
    """True when `stored` is empty; a resend of the same message is accepted
    (False: nothing to write); another message once published is refused."""
    if stored is None:
        return True
    if stored == given:
        return False
    raise Conflict(
        _("You have already published other values; the chair can start the ceremony over."),
        code="already_published",
    )


@transaction.atomic
def teller_publish(
    *, actor: Member, poll: Poll, transport_key: Any, commitments: Any
) -> dict[str, Any]:
    """Round 1 and the public half of round 2: the teller's transport key and
    its polynomial's commitments, each with its proof, both checked."""
    poll = lock_poll(poll.pk)
    _in_ceremony(poll)
    teller = _teller_of(poll, actor)
    context = encrypted.poll_context(poll.pk)
    try:
        key = dkg.TransportKey.from_json(transport_key)
        published = dkg.Commitments.from_json(commitments)
        if key.index != teller.index or published.index != teller.index:
            raise CryptoError(f"teller {teller.index}: the messages name another teller")
        dkg.verify_transport_key(context, key)
        dkg.verify_commitments(context, poll.teller_threshold or 0, published)
    except CryptoError as exc:
        raise _refused(exc) from None
    key_json, commitments_json = key.to_json(), published.to_json()
    fresh = _same_or_conflict(teller.transport_key, key_json)
    fresh = _same_or_conflict(teller.commitments, commitments_json) or fresh
    if fresh:
        teller.transport_key, teller.commitments = key_json, commitments_json
        teller.save(update_fields=["transport_key", "commitments"])
        publish_poll(poll, "poll.teller_published", actor, {"teller": teller.index})
    return ceremony_payload(poll)


@transaction.atomic
def teller_shares_send(*, actor: Member, poll: Poll, shares: Any) -> dict[str, Any]:
    """The teller's encrypted shares, one for every teller (itself included),
    once every teller's transport key is known. The server cannot read them;
    the recipient checks each against the sender's commitments."""
    poll = lock_poll(poll.pk)
    _in_ceremony(poll)
    teller = _teller_of(poll, actor)
    tellers = _tellers(poll)
    if teller.commitments is None:
        raise Conflict(_("Publish your commitments first."), code="ceremony_order")
    if any(t.transport_key is None for t in tellers):
        raise Conflict(
            _("Not every teller has published a transport key yet."), code="ceremony_order"
        )
    if not isinstance(shares, list):
        raise InvalidInput(_("Shares must be a list."))
    try:
        parsed = [dkg.EncryptedShare.from_json(item) for item in shares]
    except CryptoError as exc:
        raise _refused(exc) from None
    if any(s.sender != teller.index for s in parsed):
        raise InvalidInput(_("Every share must be sent by you."))
    if sorted(s.recipient for s in parsed) != [t.index for t in tellers]:
        raise InvalidInput(_("Send exactly one share to every teller, yourself included."))
    stored = {
        s.recipient: s.share for s in TellerShare.objects.filter(poll=poll, sender=teller.index)
    }
    given = {s.recipient: s.to_json() for s in parsed}
    if stored:
        if stored != given:
            raise Conflict(
                _(
                    "You have already published other values; "
                    "the chair can start the ceremony over."
                ),
                code="already_published",
            )
        return ceremony_payload(poll)
    TellerShare.objects.bulk_create(
        [
            TellerShare(poll=poll, sender=teller.index, recipient=i, share=share)
            for i, share in sorted(given.items())
        ]
    )
    publish_poll(poll, "poll.teller_shares_sent", actor, {"teller": teller.index})
    return ceremony_payload(poll)


def teller_shares_get(*, actor: Member, poll: Poll) -> dict[str, Any]:
    """The shares sent to the calling teller so far, with the ceremony's
    public values (every transport key and commitments) to check them."""
    poll = Poll.objects.get(pk=poll.pk)
    if not poll.encrypted:
        raise Conflict(_("This poll does not take encrypted ballots."), code="not_encrypted")
    teller = _teller_of(poll, actor)
    shares = TellerShare.objects.filter(poll=poll, recipient=teller.index).order_by("sender")
    return {
        "index": teller.index,
        "shares": [s.share for s in shares],
        "ceremony": ceremony_payload(poll),
    }


@transaction.atomic
def teller_confirm(*, actor: Member, poll: Poll, proof: Any) -> dict[str, Any]:
    """The teller has opened and checked every share sent to it and proves
    that it holds its key share x_i for its public share H_i, bound to the
    poll key H. When every teller has confirmed, H becomes the poll's key."""
    poll = lock_poll(poll.pk)
    _in_ceremony(poll)
    teller = _teller_of(poll, actor)
    tellers = _tellers(poll)
    if any(t.commitments is None for t in tellers):
        raise Conflict(_("Not every teller has published commitments yet."), code="ceremony_order")
    received = TellerShare.objects.filter(poll=poll, recipient=teller.index).count()
    if received != len(tellers):
        raise Conflict(_("Not every teller has sent you a share yet."), code="ceremony_order")
    context = encrypted.poll_context(poll.pk)
    key = encrypted.joint_key(tellers)
    try:
        parsed = Proof.from_json(proof, f"teller {teller.index} confirmation")
        dkg.verify_confirmation(
            context, teller.index, encrypted.public_shares(tellers)[teller.index], key, parsed
        )
    except CryptoError as exc:
        raise _refused(exc) from None
    if not teller.ready:
        teller.confirmation = parsed.to_json()
        teller.ready = True
        teller.save(update_fields=["confirmation", "ready"])
        if all(t.ready or t.pk == teller.pk for t in tellers):
            poll.public_key = key.hex()
            poll.save(update_fields=["public_key"])
        publish_poll(poll, "poll.teller_ready", actor, {"teller": teller.index})
    return ceremony_payload(poll)


def ceremony_payload(poll: Poll) -> dict[str, Any]:
    """Everything public about the poll's tellers and key: what each has
    published, who has sent shares and confirmed, the fingerprint the
    tellers compare aloud, and the poll key once every teller is ready."""
    tellers = list(Teller.objects.filter(poll=poll).select_related("participant__member"))
    senders = set(TellerShare.objects.filter(poll=poll).values_list("sender", flat=True))
    fingerprint = None
    if tellers and all(t.transport_key and t.commitments for t in tellers):
        fingerprint = dkg.ceremony_fingerprint(
            encrypted.poll_context(poll.pk),
            poll.teller_threshold or 0,
            encrypted.transport_keys(tellers),
            encrypted.all_commitments(tellers),
        )
    return {
        "poll_id": poll.pk,
        "poll": encrypted.poll_context(poll.pk),
        "state": poll.state,
        "encrypted": poll.encrypted,
        "threshold": poll.teller_threshold,
        "public_key": poll.public_key or None,
        "fingerprint": fingerprint,
        "tellers": [
            {
                "index": t.index,
                "participant_id": t.participant_id,
                "name": t.participant.member.full_name,
                "transport_key": t.transport_key,
                "commitments": t.commitments,
                "shares_sent": t.index in senders,
                "confirmation": t.confirmation,
                "ready": t.ready,
                "decrypted": t.partials is not None,
            }
            for t in tellers
        ],
        "products": poll.products if poll.state != Poll.State.DRAFT else None,
    }


def require_key(poll: Poll) -> None:
    """An encrypted poll opens only under a finished key (poll_open)."""
    if poll.encrypted and not poll.public_key:
        raise Conflict(
            _("The tellers have not finished making the poll's key; it cannot open yet."),
            code="ceremony_incomplete",
        )


@transaction.atomic
def teller_decrypt(*, actor: Member, poll: Poll, partials: Any) -> Poll:
    """A teller's partial decryptions, one per product of the close in its
    order, each with its proof (checked). With k tellers' partials the totals
    are found and the poll is decided, stored and sealed."""
    poll = lock_poll(poll.pk)
    if not poll.encrypted:
        raise Conflict(_("This poll does not take encrypted ballots."), code="not_encrypted")
    teller = _teller_of(poll, actor)
    if poll.state != Poll.State.DECRYPTING:
        if teller.partials is not None and teller.partials == partials:
            return poll  # a resend after the result
        raise Conflict(_("This poll is not awaiting decryption."), code="not_decrypting")
    products = encrypted.stored_products(poll)
    tellers = _tellers(poll)
    shares = encrypted.public_shares(tellers)
    context = encrypted.poll_context(poll.pk)
    if not isinstance(partials, list) or len(partials) != len(products):
        raise InvalidInput(
            _("Send one partial decryption for each of the %d totals.") % len(products)
        )
    try:
        parsed = [PartialDecryption.from_json(p) for p in partials]
        for (label, product), partial in zip(products, parsed, strict=True):
            if partial.index != teller.index:
                raise CryptoError(
                    f"teller {teller.index}: a partial decryption names another teller"
                )
            verify_partial(context, label, shares[teller.index], product, partial)
    except CryptoError as exc:
        raise _refused(exc) from None
    given = [p.to_json() for p in parsed]
    if teller.partials is not None:
        if teller.partials != given:
            raise Conflict(
                _("You have already sent other partial decryptions."), code="already_published"
            )
        return poll
    teller.partials = given
    teller.save(update_fields=["partials"])
    publish_poll(poll, "poll.teller_decrypted", actor, {"teller": teller.index})
    done = {t.index: t.partials for t in tellers if t.pk != teller.pk and t.partials is not None}
    done[teller.index] = given
    if len(done) < (poll.teller_threshold or 0):
        return poll
    return _count(poll, actor, products, done, shares)


def _count(
    poll: Poll,
    actor: Member,
    products: list[tuple[str, Any]],
    done: dict[int, Any],
    shares: dict[int, bytes],
) -> Poll:
    """The totals from k tellers' partials (each checked when it came), then
    the result by the poll's rule: a shown weight class adds its weight times
    its count to an option, the "other" class its decrypted weight."""
    found, ballots = encrypted.classes(poll)
    wanted = encrypted_record.products_for(found, poll.options.count())
    if [p.name for p in wanted] != [label for label, _product in products]:
        raise Conflict(_("The products kept at the close do not match the ballots."))
    partials = {i: [PartialDecryption.from_json(p) for p in ps] for i, ps in done.items()}
    try:
        values = encrypted_record.combine_totals(
            [product for _label, product in products],
            partials,
            poll.teller_threshold or 0,
            encrypted_record.bounds_for(wanted, found),
        )
    except CryptoError as exc:  # every partial was checked: the store is damaged
        raise Conflict(str(exc), code="decryption_failed") from None
    decrypted = encrypted_record.tally(wanted, values)
    options = list(poll.options.order_by("position"))
    by_option: dict[int, Decimal] = {}
    counts: dict[int, int] = {}
    abstain = Decimal(0)
    for j, option in enumerate(options):
        if decrypted.counts.get(j):
            by_option[option.pk] = decrypted.weights[j]
            counts[option.pk] = decrypted.counts[j]
            if option.role == rules.Role.ABSTAIN:
                abstain += decrypted.weights[j]
    totals = rules.Totals(
        by_option=by_option,
        cast=sum((b.weight for b in ballots), Decimal(0)),
        abstain=abstain,
        present=poll.present_weight,
        entitled=poll.entitled_weight,
    )
    return settle(poll, actor, totals, counts)
