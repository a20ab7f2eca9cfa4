"""The polls part of the meeting preparation page: draft polls prepared
ahead, each editable field by field, put in order and attached to agenda
items. Plain forms: the view parses the POST, calls one voting service
(poll_create, poll_update, polls_reorder) and shows the page again."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.exceptions import InvalidInput, NotFound
from meetings.models import Meeting, Member
from voting import rules, services
from voting.models import Poll

POLL_ACTIONS = frozenset({"poll_create", "poll_update", "poll_move"})
_TEXT_FIELDS = (
    "title",
    "description",
    "kind",
    "secrecy",
    "results_visibility",
    "majority",
    "base",
    "tie_rule",
)
_NUMBER_FIELDS = {
    "min_choices": gettext_lazy("Least choices"),
    "max_choices": gettext_lazy("Most choices"),
    "seats": gettext_lazy("Seats"),
}


@dataclass
class PollForm:
    """One poll form on the page: the values it shows, whether it is open,
    and the refusal to show inside it."""

    poll: Poll | None
    values: dict[str, Any]
    open: bool = False
    error: str = ""
    key: str = field(init=False)

    def __post_init__(self) -> None:
        self.key = f"poll-{self.poll.pk}" if self.poll is not None else "poll-new"


def _text(post: QueryDict, name: str) -> str:
    return str(post.get(name) or "")


def _number(value: str, label: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError as exc:
        raise InvalidInput(_("%(field)s must be a whole number.") % {"field": label}) from exc


def poll_fields(post: QueryDict) -> dict[str, Any]:
    """The poll fields a form sent, as poll_create and poll_update take them.
    A field the form left out (hidden for this kind) is left out here too."""
    fields: dict[str, Any] = {name: _text(post, name) for name in _TEXT_FIELDS if name in post}
    if "options" in post:
        fields["options"] = _text(post, "options").splitlines()
    for name, label in _NUMBER_FIELDS.items():
        if name in post:
            number = _number(_text(post, name), str(label))
            if number is not None or name != "seats":
                fields[name] = number
    if "agenda_item_id" in post:
        fields["agenda_item_id"] = _number(_text(post, "agenda_item_id"), _("Agenda item"))
    fields["allow_remote"] = bool(post.get("allow_remote"))
    fields["close_when_all_voted"] = bool(post.get("close_when_all_voted"))
    return fields


def _values_of(poll: Poll) -> dict[str, Any]:
    labels = [
        o.label for o in poll.options.all() if o.role in (rules.Role.OPTION, rules.Role.CANDIDATE)
    ]
    return {
        "title": poll.title,
        "description": poll.description,
        "kind": poll.kind,
        "options": "\n".join(labels),
        "min_choices": poll.min_choices,
        "max_choices": poll.max_choices,
        "seats": poll.seats,
        "secrecy": poll.secrecy,
        "results_visibility": poll.results_visibility,
        "majority": poll.majority,
        "base": poll.base,
        "tie_rule": poll.tie_rule,
        "agenda_item_id": poll.agenda_item_id,
        "allow_remote": poll.allow_remote,
        "close_when_all_voted": poll.close_when_all_voted,
    }


NEW_POLL_VALUES: dict[str, Any] = {
    "title": "",
    "description": "",
    "kind": rules.Kind.MOTION.value,
    "options": "",
    "min_choices": 1,
    "max_choices": "",
    "seats": 1,
    "secrecy": Poll.Secrecy.SECRET.value,
    "results_visibility": Poll.Results.HIDDEN.value,
    "majority": rules.Majority.SIMPLE.value,
    "base": rules.Base.VALID.value,
    "tie_rule": rules.TieRule.FAILS.value,
    "agenda_item_id": None,
    "allow_remote": True,
    "close_when_all_voted": False,
}


def _values_from_post(post: QueryDict, start: dict[str, Any]) -> dict[str, Any]:
    """What the person typed, to show again with a refusal."""
    values = dict(start)
    for name in (*_TEXT_FIELDS, "options", *_NUMBER_FIELDS):
        if name in post:
            values[name] = _text(post, name)
    if "agenda_item_id" in post:
        item = _text(post, "agenda_item_id")
        values["agenda_item_id"] = int(item) if item.isdigit() else None
    values["allow_remote"] = bool(post.get("allow_remote"))
    values["close_when_all_voted"] = bool(post.get("close_when_all_voted"))
    return values


def polls_context(
    meeting: Meeting, post: QueryDict | None = None, error: str = ""
) -> dict[str, Any]:
    """The polls part of the page. After a refused poll form (`post` and
    `error`), that form is open again with what was typed and the refusal."""
    polls = list(
        Poll.objects.filter(meeting=meeting)
        .select_related("agenda_item")
        .prefetch_related("options")
    )
    failed = post.get("action") if post is not None and error else None
    failed_id = (post.get("poll") or "") if post is not None else ""
    forms = []
    for poll in polls:
        form = PollForm(poll, _values_of(poll))
        if failed in ("poll_update", "poll_move") and failed_id == str(poll.pk):
            form.error = error
            if failed == "poll_update" and post is not None and poll.state == Poll.State.DRAFT:
                form.values, form.open = _values_from_post(post, form.values), True
        forms.append(form)
    new = PollForm(None, dict(NEW_POLL_VALUES), open=not polls)
    if failed == "poll_create" and post is not None:
        new.values, new.open, new.error = _values_from_post(post, new.values), True, error
    drafts = [f.poll.pk for f in forms if f.poll is not None and f.poll.state == Poll.State.DRAFT]
    return {
        "poll_forms": forms,
        "new_poll": new,
        "first_draft": drafts[0] if drafts else None,
        "last_draft": drafts[-1] if drafts else None,
        "agenda_items": list(meeting.agenda_items.order_by("position", "pk")),
        # Shown inside a poll's form; else (no such poll) at the top of the page.
        "poll_error_shown": new.error != "" or any(f.error for f in forms),
    }


def _poll(meeting: Meeting, value: str | None) -> Poll:
    poll = Poll.objects.filter(meeting=meeting, pk=_number(value or "", "poll") or 0).first()
    if poll is None:
        raise NotFound(_("No such poll in this meeting."))
    return poll


def poll_action(post: QueryDict, member: Member, meeting: Meeting) -> str:
    """Run a poll form's action; the sentence to show when it worked."""
    action = post.get("action", "")
    if action == "poll_create":
        poll = services.poll_create(actor=member, meeting=meeting, **poll_fields(post))
        return _("Draft poll saved: %(title)s") % {"title": poll.title}
    poll = _poll(meeting, post.get("poll"))
    if action == "poll_update":
        poll = services.poll_update(actor=member, poll=poll, **poll_fields(post))
        return _("Draft poll saved: %(title)s") % {"title": poll.title}
    # poll_move: one place up or down among the drafts. A poll opened since
    # the page was drawn is not among them: named anyway, the service refuses
    # it (409) with its own sentence.
    drafts = list(
        Poll.objects.filter(meeting=meeting, state=Poll.State.DRAFT).values_list("pk", flat=True)
    )
    order = drafts if poll.pk in drafts else [*drafts, poll.pk]
    index = order.index(poll.pk)
    other = index - 1 if post.get("direction") == "up" else index + 1
    if 0 <= other < len(order):
        order[index], order[other] = order[other], order[index]
    services.polls_reorder(actor=member, meeting=meeting, order=order)
    return _("Poll moved: %(title)s") % {"title": poll.title}
