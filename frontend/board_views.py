"""The bulletin board page: every closed poll of a meeting, as text tables,
and a receipt checker that verifies the proof in the browser.

Public when the meeting's board is public; otherwise for members of the
meeting's union (anonymous visitors are sent to the login page).
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from core.exceptions import DomainError
from frontend.views import error_page
from voting import audit
from voting.selectors import board_encrypted, result_sentence


def _key() -> dict[str, str] | None:
    try:
        return audit.key_info()
    except ImproperlyConfigured:  # no key yet: nothing was ever signed
        return None


def _reader_labels(poll: dict[str, Any]) -> dict[int, str]:
    """Option labels in the reader's language: Yes, No and Abstain are stored
    in the language of whoever created the poll, so they are translated by
    role; options and candidates are shown as written."""
    fixed = {"yes": gettext("Yes"), "no": gettext("No"), "abstain": gettext("Abstain")}
    return {o["id"]: fixed.get(o.get("role", ""), o["label"]) for o in poll["options"]}


@require_GET
def board(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """The meeting's bulletin board."""
    try:
        meeting = audit.board_meeting_get(meeting_id=meeting_id, user=request.user)  # type: ignore[arg-type]
    except audit.LoginRequired:
        return redirect_to_login(request.get_full_path())
    except DomainError as exc:
        return error_page(request, exc)
    boards = audit.meeting_board(meeting)
    encrypted, waiting = board_encrypted(meeting.pk)
    for b in boards:
        b["encrypted"] = b["poll"]["id"] in encrypted
        b["head_json"] = json.dumps(b["tree_head"], indent=2, ensure_ascii=False)
        b["sentence"] = result_sentence(b["result"])
        # The signed record keeps its words; the page shows the reader's.
        labels = _reader_labels(b["poll"])
        b["labels"] = labels
        for e in b["entries"]:
            e["choice_labels"] = [labels.get(c, str(c)) for c in e["choices"]]
        if b["result"]:
            b["result_rows"] = [
                {**o, "label": labels.get(o.get("id"), o.get("label", ""))}
                for o in b["result"].get("options", [])
            ]
    # What the receipt checker needs, per poll: the signed head and the labels.
    checker: dict[str, Any] = {
        "meeting": meeting.pk,
        "key": _key(),
        "polls": [
            {
                "id": b["poll"]["id"],
                "title": b["poll"]["title"],
                "tree_head": b["tree_head"],
                "head_fingerprint": b["head_fingerprint"],
                "labels": {str(k): v for k, v in b["labels"].items()},
                "encrypted": b["encrypted"],
            }
            for b in boards
        ],
    }
    return render(
        request,
        "frontend/board.html",
        {
            "meeting": meeting,
            "boards": boards,
            "waiting": waiting,
            "key": checker["key"],
            "checker": checker,
        },
    )
