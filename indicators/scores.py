"""Composite scores and grades, in the spirit of CJ/T 292's area, department and position (岗位)
evaluation and of the 12345 hotline's 三率 (response, resolution, satisfaction rate).

Each kind of score is a weighted mean of components, each component an indicator of
indicators/definitions.py turned into points out of 100: a rate r where higher is better gives
100·r, a rate where lower is better (rework, return, extension) gives 100·(1 − r); a grid worker's
report volume gives 100 · (their reports / the most reports of anyone in the same ranking).

    score = Σ wᵢ·pointsᵢ / Σ wᵢ   over the components that have data in the period

A component without data (its denominator is 0: nothing was rated, nothing fell due) is left out
and the weights of the others count in its place; a subject with no component at all has no score.
The components are in two halves, top-down (the system's own measurements: deadlines, rework,
returns, verification) and bottom-up (双考核, "谁呼谁评，下评上": the residents' ratings of the cases,
satisfaction); each half is also shown on its own. Grades: A ≥ 90, B ≥ 75, C ≥ 60, D ≥ 40, E below.

The weights live in `ScoreWeight` (edited by administrators in /admin/, every change audited by
`save_weight`); a kind with no rows uses DEFAULT_WEIGHTS, which migrations 0002 and 0004 also write.
The community-work components (disputes, patrols, grid tasks, meeting decisions) are defined in
indicators/community.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from indicators.community import COMMUNITY_INDICATORS
from indicators.definitions import HIGHER, INDICATORS, LOWER
from indicators.models import ScoreKind, ScoreWeight

TOP_DOWN, BOTTOM_UP = "top_down", "bottom_up"
GRADES = ((90, "A"), (75, "B"), (60, "C"), (40, "D"))


@dataclass(frozen=True)
class Component:
    key: str  # the indicator (or, for report_volume, the count compared with the peers)
    half: str = TOP_DOWN
    relative_to_peers: bool = False

    @property
    def label(self):
        return label_of(self.key)

    @property
    def better(self) -> str:
        if self.key in EXTRA_LABELS:
            return HIGHER
        if self.key in COMMUNITY_INDICATORS:
            return COMMUNITY_INDICATORS[self.key].better
        return INDICATORS[self.key].better


def label_of(key: str):
    """The label of any value a ranking shows: the scores' own (EXTRA_LABELS), a community-work
    indicator (indicators/community.py) or a case indicator (indicators/definitions.py)."""
    if key in EXTRA_LABELS:
        return EXTRA_LABELS[key]
    if key in COMMUNITY_INDICATORS:
        return COMMUNITY_INDICATORS[key].label
    return INDICATORS[key].label


EXTRA_LABELS = {
    "report_volume": gettext_lazy("Reports (against the most in the ranking)"),
    "grid_satisfaction_rate": gettext_lazy("Satisfaction rate of the worker's grids"),
}

COMPONENTS: dict[str, list[Component]] = {
    ScoreKind.AREA: [
        Component("on_time_closure_rate"),
        Component("closure_rate"),
        Component("response_rate"),
        Component("in_grid_resolution_rate"),
        Component("rework_rate"),
        Component("satisfaction_rate", BOTTOM_UP),
        # community work (indicators/community.py)
        Component("dispute_settlement_rate"),
        Component("missed_patrol_share"),
        Component("gridtask_on_time_rate"),
        Component("decision_on_time_rate"),
        Component("dispute_satisfaction_rate", BOTTOM_UP),
    ],
    ScoreKind.DEPARTMENT: [
        Component("on_time_handling_rate"),
        Component("handling_rate"),
        Component("return_rate"),
        Component("extension_rate"),
        Component("rework_rate"),
        Component("satisfaction_rate", BOTTOM_UP),
        Component("decision_on_time_rate"),
    ],
    ScoreKind.GRID_WORKER: [
        Component("report_volume", relative_to_peers=True),
        Component("verification_on_time_rate"),
        Component("self_resolution_share"),
        Component("grid_satisfaction_rate", BOTTOM_UP),
        Component("missed_patrol_share"),
        Component("visit_volume", relative_to_peers=True),
        Component("gridtask_on_time_rate"),
    ],
}

# Each kind sums to 100. The case components keep their relative weights of migration 0002 (each
# scaled by 0.8: the case loop weighs 80, community work 20), so a subject without community-work
# data scores exactly as before (its community components drop out and the case weights count in
# their place). Areas: top-down 56 / bottom-up 44 (两个一半: the residents' ratings of the cases
# 40 and the dispute parties' satisfaction 4); the 三率 are response, resolution (= closure) and
# satisfaction rate. Departments: 80 on their tasks, 20 on the joint-meeting decisions they own.
# Grid workers: 80 on the case loop, 20 on patrols, home visits and grid tasks.
# Migration 0004 writes these where a kind still had exactly the 0002 rows (never over an edit).
DEFAULT_WEIGHTS: dict[str, dict[str, int]] = {
    ScoreKind.AREA: {"on_time_closure_rate": 16, "closure_rate": 12, "response_rate": 4,
                     "in_grid_resolution_rate": 4, "rework_rate": 4, "satisfaction_rate": 40,
                     "dispute_settlement_rate": 4, "missed_patrol_share": 5, "gridtask_on_time_rate": 4,
                     "decision_on_time_rate": 3, "dispute_satisfaction_rate": 4},
    ScoreKind.DEPARTMENT: {"on_time_handling_rate": 20, "handling_rate": 8, "return_rate": 4, "extension_rate": 4,
                           "rework_rate": 4, "satisfaction_rate": 40, "decision_on_time_rate": 20},
    ScoreKind.GRID_WORKER: {"report_volume": 20, "verification_on_time_rate": 20, "self_resolution_share": 8,
                            "grid_satisfaction_rate": 32, "missed_patrol_share": 8, "visit_volume": 6,
                            "gridtask_on_time_rate": 6},
}


def grade(score: float | None) -> str:
    if score is None:
        return ""
    for floor, letter in GRADES:
        if score >= floor:
            return letter
    return "E"


def weights_for(kind: str) -> dict[str, int]:
    """The weights of a kind of score: the administrators' rows, or the defaults when there are none."""
    saved = dict(ScoreWeight.objects.filter(kind=kind).values_list("indicator", "weight"))
    return saved or dict(DEFAULT_WEIGHTS[kind])


@dataclass
class Score:
    score: float | None
    grade: str
    top_down: float | None
    bottom_up: float | None
    points: dict = field(default_factory=dict)  # component → points out of 100 (None: no data)


def _mean(parts) -> float | None:
    total = sum(w for w, _p in parts)
    if not total:
        return None
    return round(sum(w * p for w, p in parts) / total, 1)


def points(component: Component, values: dict, peers: dict | None = None) -> float | None:
    value = values.get(component.key)
    if component.relative_to_peers:
        best = (peers or {}).get(component.key) or 0
        if value is None or not best:
            return None
        value = value / best
    if value is None:
        return None
    return 100 * (1 - value) if component.better == LOWER else 100 * value


def score(kind: str, values: dict, weights: dict[str, int] | None = None, peers: dict | None = None) -> Score:
    """The composite score of one subject from its indicator values. `peers`: the largest value of
    each relative component in the ranking (report_volume)."""
    weights = weights_for(kind) if weights is None else weights
    earned: dict = {}
    parts: dict[str, list] = {TOP_DOWN: [], BOTTOM_UP: []}
    for component in COMPONENTS[kind]:
        earned[component.key] = got = points(component, values, peers)
        weight = weights.get(component.key, 0)
        if got is not None and weight:
            parts[component.half].append((weight, got))
    total = _mean(parts[TOP_DOWN] + parts[BOTTOM_UP])
    return Score(total, grade(total), _mean(parts[TOP_DOWN]), _mean(parts[BOTTOM_UP]), earned)


# --- editing the weights (an action: checked, atomic, audited) ------------------------------------


def _require_admin(actor) -> None:
    from accounts.scope import get_scope

    if actor is not None and not actor.is_superuser and not get_scope(actor).has_role("system_admin"):
        raise PermissionDenied(_("Only system administrators change the score weights."))


def save_weight(actor, row: ScoreWeight, **fields) -> ScoreWeight:
    """Create or change one weight (`fields`: kind, indicator, weight); the audit row records
    before and after."""
    from core.audit import record, snapshot

    _require_admin(actor)
    with transaction.atomic():
        before = None
        if row.pk:
            locked = ScoreWeight.objects.select_for_update().get(pk=row.pk)
            before = snapshot(locked, fields=["kind", "indicator", "weight"])
        for key, value in fields.items():
            setattr(row, key, value)
        if row.indicator not in {c.key for c in COMPONENTS.get(row.kind, ())}:
            raise ValidationError({"indicator": _("This indicator is not part of that score.")})
        row.full_clean()
        row.save()
        after = snapshot(row, fields=["kind", "indicator", "weight"])
        if before != after:
            record(actor, "score_weight.update" if before else "score_weight.create", row, before=before,
                   after=after)
    return row


def delete_weight(actor, row: ScoreWeight) -> None:
    from core.audit import record, snapshot

    _require_admin(actor)
    with transaction.atomic():
        before = snapshot(row, fields=["kind", "indicator", "weight"])
        record(actor, "score_weight.delete", row, before=before)
        row.delete()
