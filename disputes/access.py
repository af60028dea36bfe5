"""Fetch-or-404 within scope for disputes."""

from django.http import Http404

from disputes.models import Dispute


def access_dispute(user, pk) -> Dispute:
    try:
        return Dispute.objects.restrict(user).select_related("grid", "from_case", "to_case").get(pk=int(pk))
    except (Dispute.DoesNotExist, TypeError, ValueError) as exc:
        raise Http404 from exc
