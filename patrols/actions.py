"""Every change to patrols and home visits.

A grid worker (patrol.do on the grid) starts a patrol, posts GPS points in batches, reports
problems on the way (cases.actions.report_case, then a PatrolCase link in the same transaction)
and ends it; the end computes the distance and the share of the grid covered (patrols/geo.py).
"""

from __future__ import annotations

import datetime as dt
import math

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from accounts.scope import get_scope
from core.audit import record
from core.versions import check_version, token
from patrols.choices import Finding, PatrolState
from patrols.geo import LocalFrame, haversine
from patrols.models import HomeVisit, Patrol, PatrolCase, PatrolPoint

NEAR_M = 500.0  # a point may lie this far outside the grid (streets on the border, GPS error)
MAX_SPEED = 20.0  # m/s (72 km/h): faster between two points is a GPS jump, refused
MAX_ACCURACY = 200.0  # metres: a fix less precise than this is refused
MAX_BATCH = 500
FUTURE_SLACK = dt.timedelta(minutes=2)


def _require(actor, capability: str, area) -> None:
    if actor is None:
        return
    if not get_scope(actor).can(capability, area):
        raise PermissionDenied(_("You are not allowed to do this here."))


def patrol_grids(user):
    """The grids the user may patrol (grid roles with patrol.do), in path order."""
    from areas.models import Area

    return Area.objects.restrict(user, "patrol.do").filter(level__in=("grid", "cell")).defer("boundary")


def _own(actor, patrol: Patrol) -> None:
    if actor is not None and patrol.worker_id != actor.pk:
        raise PermissionDenied(_("Only the grid worker on this patrol can change it."))


def start_patrol(actor, *, grid=None, at: dt.datetime | None = None) -> Patrol:
    if grid is None and actor is not None:
        grid = patrol_grids(actor).first()
    if grid is None or grid.level not in ("grid", "cell"):
        raise ValidationError({"grid": _("Choose the grid to patrol.")})
    _require(actor, "patrol.do", grid)
    worker = actor
    try:
        with transaction.atomic():
            if Patrol.objects.filter(worker=worker, state=PatrolState.ACTIVE).exists():
                raise ValidationError(_("You are already on a patrol: end it first."))
            patrol = Patrol(worker=worker, grid=grid, area_path=grid.path, district_code=grid.district_code,
                            started_at=at or timezone.now())
            patrol.save()
            record(actor, "patrol.start", patrol, after={"grid": grid.pk})
    except IntegrityError as exc:  # a second start at the same moment: the partial unique index
        raise ValidationError(_("You are already on a patrol: end it first.")) from exc
    return patrol


def _parse_point(raw) -> tuple[float, float, float | None, dt.datetime]:
    lon, lat = float(raw["lon"]), float(raw["lat"])
    accuracy = raw.get("accuracy")
    accuracy = float(accuracy) if accuracy not in (None, "") else None
    at = raw.get("at")
    if isinstance(at, (int, float)):
        moment = dt.datetime.fromtimestamp(at / 1000, tz=dt.UTC)  # JavaScript milliseconds
    elif isinstance(at, dt.datetime):
        moment = at
    else:
        moment = parse_datetime(str(at or ""))
    if moment is None or timezone.is_naive(moment):
        raise ValueError("time")
    if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValueError("coordinates")
    return lon, lat, accuracy, moment


def add_points(actor, patrol: Patrol, points: list) -> dict:
    """Store a batch of GPS points; returns {"accepted", "rejected", "reasons", "distance_m", "points"}.

    A point is refused (counted, not stored) when malformed, less precise than MAX_ACCURACY, not
    later than the previous point, in the future, before the patrol began, more than NEAR_M
    outside the grid, or reached faster than MAX_SPEED from the previous accepted point."""
    _own(actor, patrol)
    if not isinstance(points, list) or len(points) > MAX_BATCH:
        raise ValidationError(_("Send at most %(n)d points at a time.") % {"n": MAX_BATCH})
    now = timezone.now()
    reasons: dict[str, int] = {}

    def refuse(why: str) -> None:
        reasons[why] = reasons.get(why, 0) + 1

    with transaction.atomic():
        patrol = Patrol.objects.select_for_update().get(pk=patrol.pk)
        if patrol.state != PatrolState.ACTIVE:
            raise ValidationError(_("This patrol has ended."))
        grid = patrol.grid
        frame = LocalFrame(grid.boundary) if grid.boundary else None
        last = patrol.points.order_by("-recorded_at", "-id").first()
        prev = (last.lon, last.lat, last.recorded_at) if last else None
        fresh = []
        added = 0.0
        for raw in points:
            try:
                lon, lat, accuracy, at = _parse_point(raw)
            except (KeyError, TypeError, ValueError, AttributeError, OverflowError, OSError):
                refuse("malformed")
                continue
            if accuracy is not None and accuracy > MAX_ACCURACY:
                refuse("imprecise")
                continue
            if at > now + FUTURE_SLACK or at < patrol.started_at - FUTURE_SLACK:
                refuse("time")
                continue
            if prev is not None and at <= prev[2]:
                refuse("order")
                continue
            if frame is not None and frame.distance_outside(lon, lat) > NEAR_M:
                refuse("outside")
                continue
            step = 0.0
            if prev is not None:
                step = haversine(prev[0], prev[1], lon, lat)
                if step / max((at - prev[2]).total_seconds(), 0.001) > MAX_SPEED:
                    refuse("speed")
                    continue
            fresh.append(PatrolPoint(patrol=patrol, lon=lon, lat=lat, accuracy=accuracy, recorded_at=at))
            added += step
            prev = (lon, lat, at)
        PatrolPoint.objects.bulk_create(fresh)
        rejected = sum(reasons.values())
        patrol.distance_m = round(patrol.distance_m + added, 1)
        patrol.point_count += len(fresh)
        patrol.rejected_points += rejected
        patrol.save(update_fields=["distance_m", "point_count", "rejected_points"])
    return {"accepted": len(fresh), "rejected": rejected, "reasons": reasons, "distance_m": patrol.distance_m,
            "points": patrol.point_count}


def end_patrol(actor, patrol: Patrol, *, at: dt.datetime | None = None) -> Patrol:
    _own(actor, patrol)
    with transaction.atomic():
        patrol = Patrol.objects.select_for_update().get(pk=patrol.pk)
        if patrol.state != PatrolState.ACTIVE:
            raise ValidationError(_("This patrol has already ended."))
        track = list(patrol.points.order_by("recorded_at", "id").values_list("lon", "lat"))
        patrol.coverage = LocalFrame(patrol.grid.boundary).coverage(track) if patrol.grid.boundary else 0.0
        patrol.state = PatrolState.ENDED
        patrol.ended_at = max(at or timezone.now(), patrol.started_at)
        patrol.save(update_fields=["state", "ended_at", "coverage"])
        record(actor, "patrol.end", patrol, after={"distance_m": patrol.distance_m, "coverage": patrol.coverage,
                                                   "points": patrol.point_count})
    return patrol


def report_on_patrol(actor, patrol: Patrol, *, category_code: str, description: str, lon, lat, address: str = "",
                     photos=(), idempotency_key: str = ""):
    """Report a problem found on the way: a grid-worker case linked to the patrol. Returns (case, created)."""
    from cases import actions as case_actions
    from cases.choices import Channel

    _own(actor, patrol)
    if patrol.state != PatrolState.ACTIVE:
        raise ValidationError(_("This patrol has ended."))
    with transaction.atomic():
        case, created = case_actions.report_case(
            actor, channel=Channel.GRID_WORKER, category_code=category_code, description=description, lon=lon,
            lat=lat, address=address, photos=photos, idempotency_key=idempotency_key)
        PatrolCase.objects.get_or_create(case=case, defaults={"patrol": patrol})
        if created:
            record(actor, "patrol.case", patrol, after={"case": case.pk})
    return case, created


def record_visit(actor, *, household, finding: str = Finding.NONE, note: str = "", patrol: Patrol | None = None,
                 at: dt.datetime | None = None) -> HomeVisit:
    """A home visit (走访) to a household of a grid the actor patrols."""
    if finding not in Finding.values:
        raise ValidationError({"finding": _("Choose what the visit found.")})
    note = (note or "").strip()
    if len(note) > 2000:
        raise ValidationError({"note": _("The note is too long (at most 2000 characters).")})
    if finding != Finding.NONE and not note:
        raise ValidationError({"note": _("Describe what the visit found.")})
    at = at or timezone.now()
    if at > timezone.now() + FUTURE_SLACK:
        raise ValidationError({"visited_at": _("The date lies in the future.")})
    _require(actor, "patrol.do", household.grid)
    if patrol is not None:
        _own(actor, patrol)
        if not household.area_path.startswith(patrol.area_path):
            raise ValidationError({"household": _("The household lies outside the patrolled grid.")})
    with transaction.atomic():
        visit = HomeVisit(household=household, worker=actor, patrol=patrol, grid=household.grid,
                          area_path=household.area_path, district_code=household.district_code, visited_at=at,
                          finding=finding)
        visit.set_note(note)
        visit.save()
        # the audit row names the household, never the note
        record(actor, "patrol.visit", visit, object_repr=f"household {household.pk}", after={"finding": finding})
    return visit


def audit_visit_view(actor, visit: HomeVisit) -> None:
    record(actor, "patrol.visit.view", visit, object_repr=f"household {visit.household_id}")


VISIT_EDIT_DAYS = 3  # the visiting worker may correct the finding and the note for this long


def visit_version(visit: HomeVisit) -> str:
    return token({"finding": visit.finding, "note": visit.note_enc})  # the ciphertext: no personal data


def may_edit_visit(actor, visit: HomeVisit, now: dt.datetime | None = None) -> bool:
    return (actor is not None and visit.worker_id == actor.pk
            and (now or timezone.now()) - visit.visited_at <= dt.timedelta(days=VISIT_EDIT_DAYS)
            and get_scope(actor).can("patrol.do", visit.grid))


def update_visit(actor, visit: HomeVisit, *, finding: str | None = None, note: str | None = None,
                 version: str | None = None) -> HomeVisit:
    """The visiting worker corrects the finding or the note within VISIT_EDIT_DAYS days of the
    visit. The note stays encrypted; the audit row says whether it changed, never what it says."""
    if actor is not None and visit.worker_id != actor.pk:
        raise PermissionDenied(_("Only the grid worker who made the visit can correct it."))
    _require(actor, "patrol.do", visit.grid)
    if finding is not None and finding not in Finding.values:
        raise ValidationError({"finding": _("Choose what the visit found.")})
    if note is not None:
        note = note.strip()
        if len(note) > 2000:
            raise ValidationError({"note": _("The note is too long (at most 2000 characters).")})
    with transaction.atomic():
        visit = HomeVisit.objects.select_for_update().get(pk=visit.pk)
        check_version(visit_version(visit), version)
        if actor is not None and timezone.now() - visit.visited_at > dt.timedelta(days=VISIT_EDIT_DAYS):
            raise ValidationError(_("A visit can be corrected only within %(n)d days.") % {"n": VISIT_EDIT_DAYS})
        old_note = visit.note
        new_finding = finding if finding is not None else visit.finding
        new_note = note if note is not None else old_note
        if new_finding != Finding.NONE and not new_note:
            raise ValidationError({"note": _("Describe what the visit found.")})
        if new_finding == visit.finding and new_note == old_note:
            return visit
        before = {"finding": visit.finding}
        visit.finding = new_finding
        fields = ["finding"]
        if new_note != old_note:
            visit.set_note(new_note)
            fields.append("note_enc")
        visit.save(update_fields=fields)
        record(actor, "patrol.visit.update", visit, object_repr=f"household {visit.household_id}",
               before=before, after={"finding": visit.finding, "note_changed": new_note != old_note})
    return visit
