"""Read queries for the dispute pages, the API and the figures the reports quote."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from django.db.models import Exists, OuterRef
from django.utils import timezone

from disputes.choices import CONCLUDED_STATES, SATISFIED, DisputeState, Risk
from disputes.models import Dispute, FollowUp


@dataclass
class Figures:
    """For disputes concluded in the period [start, end):

    mediated       disputes whose mediation ended (settled, not settled or referred)
    settled        of those, settled with an agreement
    settlement_rate settled / mediated
    major          of the mediated, high-risk (major) disputes
    major_revisited of those, with at least one follow-up visit (any time after)
    major_revisit_rate major_revisited / major
    follow_ups     follow-up visits made in the period (to disputes in the same scope)
    satisfied      of those, satisfied or basically satisfied
    satisfaction_rate satisfied / follow_ups
    Rates are None when their denominator is 0."""

    mediated: int = 0
    settled: int = 0
    settlement_rate: float | None = None
    major: int = 0
    major_revisited: int = 0
    major_revisit_rate: float | None = None
    follow_ups: int = 0
    satisfied: int = 0
    satisfaction_rate: float | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def _rate(numerator: int, denominator: int) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def local_day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def figures(disputes, start: dt.date | None = None, end: dt.date | None = None) -> Figures:
    """The figures for `disputes` (an already restricted queryset) over local days [start, end)."""
    concluded = disputes.filter(state__in=CONCLUDED_STATES)
    visits = FollowUp.objects.filter(dispute__in=disputes.values("pk"))
    if start is not None:
        concluded = concluded.filter(concluded_at__gte=local_day_start(start))
        visits = visits.filter(visited_at__gte=local_day_start(start))
    if end is not None:
        concluded = concluded.filter(concluded_at__lt=local_day_start(end))
        visits = visits.filter(visited_at__lt=local_day_start(end))
    mediated = concluded.count()
    settled = concluded.filter(state=DisputeState.SETTLED).count()
    major = concluded.filter(risk=Risk.HIGH)
    major_count = major.count()
    revisited = major.filter(Exists(FollowUp.objects.filter(dispute=OuterRef("pk")))).count()
    follow_ups = visits.count()
    satisfied = visits.filter(satisfaction__in=SATISFIED).count()
    return Figures(mediated=mediated, settled=settled, settlement_rate=_rate(settled, mediated),
                   major=major_count, major_revisited=revisited, major_revisit_rate=_rate(revisited, major_count),
                   follow_ups=follow_ups, satisfied=satisfied, satisfaction_rate=_rate(satisfied, follow_ups))


def dispute_list(user, *, state: str = "", kind: str = "", risk: str = "", area=None):
    qs = Dispute.objects.restrict(user).select_related("grid")
    if state:
        qs = qs.filter(state=state)
    if kind:
        qs = qs.filter(kind=kind)
    if risk:
        qs = qs.filter(risk=risk)
    if area is not None:
        qs = qs.filter(area_path__startswith=area.path)
    return qs.order_by("-registered_at", "-id")
