"""Every change to a warning by a person: acknowledge (已研判) and close with a note (已处置).

Each action checks that the warning's area is in the actor's case.view scope, locks the row,
validates against the locked state, saves and writes the audit row in one transaction."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.scope import get_scope
from core.audit import record
from earlywarning.choices import WarningState
from earlywarning.models import EarlyWarning

NOTE_MAX = 1000


def _locked(actor, warning_id: int) -> EarlyWarning:
    warning = EarlyWarning.objects.select_for_update().filter(pk=warning_id).first()
    if warning is None:
        raise ValidationError(_("This warning does not exist."))
    if actor is not None and not get_scope(actor).can("case.view", warning.area):
        raise PermissionDenied(_("You are not allowed to do this here."))
    return warning


def _note(note: str) -> str:
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": _("The note may be at most %(n)s characters.") % {"n": NOTE_MAX}})
    return note


def acknowledge_warning(actor, warning_id: int, note: str = "") -> EarlyWarning:
    note = _note(note)
    with transaction.atomic():
        warning = _locked(actor, warning_id)
        if warning.state != WarningState.OPEN:
            raise ValidationError(_("Only an open warning can be acknowledged."))
        before = {"state": warning.state}
        warning.state = WarningState.ACKNOWLEDGED
        warning.acknowledged_by = actor
        warning.acknowledged_at = timezone.now()
        if note:
            warning.note = note
        warning.save(update_fields=["state", "acknowledged_by", "acknowledged_at", "note"])
        record(actor, "warning.acknowledge", warning, before=before, after={"state": warning.state, "note": note},
               district_code=warning.district_code)
    return warning


def close_warning(actor, warning_id: int, note: str) -> EarlyWarning:
    note = _note(note)
    if not note:
        raise ValidationError({"note": _("Say what was found or done before closing the warning.")})
    with transaction.atomic():
        warning = _locked(actor, warning_id)
        if warning.state == WarningState.CLOSED:
            raise ValidationError(_("This warning is closed already."))
        before = {"state": warning.state}
        now = timezone.now()
        if warning.acknowledged_at is None:
            warning.acknowledged_by, warning.acknowledged_at = actor, now
        warning.state = WarningState.CLOSED
        warning.closed_by = actor
        warning.closed_at = now
        warning.note = note
        warning.save(update_fields=["state", "acknowledged_by", "acknowledged_at", "closed_by", "closed_at", "note"])
        record(actor, "warning.close", warning, before=before, after={"state": warning.state, "note": note},
               district_code=warning.district_code)
    return warning
