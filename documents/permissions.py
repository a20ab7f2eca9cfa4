"""The documents app's rows of the permission table (meetings.permissions)."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from meetings.permissions import CHAIR, OFFICER, allowed, register_action, require

__all__ = ["allowed", "require"]


def _action(name: str, roles: set[str], label: str | Promise) -> str:
    return register_action(name, roles, label=label, app="documents")


DOCUMENT_UPLOAD = _action("document.upload", {OFFICER, CHAIR}, _("Upload a document"))
DOCUMENT_DELETE = _action("document.delete", {OFFICER, CHAIR}, _("Delete a document"))
# The participant the chair names presenter may present too (documents.selectors).
DOCUMENT_PRESENT = _action("document.present", {CHAIR}, _("Show a document page to the room"))
PRESENTER_ASSIGN = _action("presenter.assign", {CHAIR}, _("Name a presenter"))
