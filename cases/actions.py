"""Every change to a case: one function per workflow action (cases/workflow.py is the table).

Each action: checks the input, locks the case row, checks the state, the form's version (someone
may have acted first) and the actor's standing against the table, writes the change, exactly one
timeline row and one audit row in the same transaction, and queues notifications for after commit.
Anything refused raises and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import RoleAssignment
from accounts.scope import SCOPE_COUNTER
from areas.models import Area, Department
from areas.resolver import get_index
from cases.access import closest_owner_role, owner_level_of, standard_of, standing
from cases.choices import (
    LEVEL_RANK,
    OPEN_TASK_STATES,
    OPERATOR_CHANNELS,
    CaseState,
    Channel,
    PhotoKind,
    TaskState,
)
from cases.models import Case, CaseEvent, CasePhoto, CaseTask, Category, IdempotencyRecord
from cases.workflow import OWNER_ROLES, TRANSITIONS
from core.audit import record
from core.counters import StampedCache
from core.crypto import decrypt, encrypt
from core.images import reencode
from core.notify import notify, send_sms
from core.sql import insert_row, lock_row, reserve_id
from core.workcalendar import get_calendar
from integrations import outbox

WARN_FRACTION = 0.8


class CaseConflict(ValidationError):
    """The case is not in a state for this action, or changed since the form was shown (HTTP 409)."""

    http_status = 409


# --- helpers ---------------------------------------------------------------------------------


def _lock(case_id: int) -> Case:
    return lock_row(Case.objects.select_related("category", "owner_area", "grid"), case_id)


STALE_MESSAGE = gettext_lazy("Someone else acted on this case first; reload it and try again.")


def check_version(case: Case, expected_version) -> None:
    if expected_version is not None and int(expected_version) != case.version:
        raise CaseConflict(str(STALE_MESSAGE), code="stale")


def may(actor, case: Case, name: str):
    """Refuse at once (403) whoever the table does not allow for this action on this case."""
    transition = TRANSITIONS[name]
    acting = standing(actor, case).acting_as(transition.who)
    if not acting:
        raise PermissionDenied(_("You may not “%(action)s” this case.") % {"action": transition.label})
    return acting


def _begin(actor, case: Case, name: str, expected_version: int | None = None, note: str = ""):
    """Lock and check — who (403), then state and version (409), then input (400); returns
    (locked case, the actor's standing, the role acted under)."""
    transition = TRANSITIONS[name]
    locked = _lock(case.pk)
    me = standing(actor, locked)
    acting = me.acting_as(transition.who)
    if not acting:
        raise PermissionDenied(_("You may not “%(action)s” this case.") % {"action": transition.label})
    if locked.state not in transition.from_states:
        raise CaseConflict(
            _("This case is %(state)s; “%(action)s” is not possible now.")
            % {"state": locked.get_state_display(), "action": transition.label},
            code="state",
        )
    check_version(locked, expected_version)
    if transition.needs_reason and not (note or "").strip():
        raise ValidationError({"note": _("Please give a reason or a note for this step.")})
    role = acting.role if hasattr(acting, "role") else "department_handler"
    return locked, me, role


def _event(case: Case, name: str, from_state: str, actor, role: str, note: str = "", *, task=None,
           department=None, data=None, public: bool = True) -> CaseEvent:
    event = CaseEvent.objects.create(
        case=case, task=task, action=name, from_state=from_state, to_state=case.state, actor=actor,
        actor_role=role, department=department, note=note or "", data=data or {}, public=public,
    )
    record(actor, f"case.{name}", case, before={"state": from_state}, after={"state": case.state, "version": case.version},
           note=note[:500] if note else "")
    # webhooks and the 12345 bridge: outbox rows in this same transaction, sent after commit
    outbox.on_case_event(case, name, from_state, note, data=data, public=public)
    return event


def _save(case: Case) -> None:
    case.version += 1
    case.save()


def _set_step(case: Case, now: dt.datetime, amount: float | None, unit: str = "hours") -> None:
    """Start a new timed step: its deadline and warning point in working time."""
    case.step_started_at = now
    case.warned_at = None
    case.overdue_at = None
    if amount is None:
        case.due_at = case.warn_at = None
        return
    calendar = get_calendar()
    case.due_at = calendar.add(now, amount, unit)
    case.warn_at = calendar.fraction_point(now, case.due_at, WARN_FRACTION)


def _photos(case: Case, event: CaseEvent | None, files: Iterable, kind: str) -> list[CasePhoto]:
    saved = []
    for upload in files or ():
        content, width, height = reencode(upload)
        photo = CasePhoto(case=case, event=event, kind=kind, width=width, height=height)
        photo.image.save("photo.jpg", content, save=False)
        photo.save()
        saved.append(photo)
    return saved


def _check_photos(files) -> list:
    """Validate (re-encode) photos before anything is written, so a bad file changes nothing."""
    checked = []
    for upload in files or ():
        content, _w, _h = reencode(upload)
        content.seek(0)
        checked.append(content)
    return checked


_OWNERS = StampedCache(SCOPE_COUNTER, daily=True)  # area id → the users owning its cases
_GRIDS = StampedCache(SCOPE_COUNTER)  # area id → the Area (without its boundary) reports resolve to


def owners_of(area: Area) -> list[int]:
    def load():
        level = owner_level_of(area)
        return list(RoleAssignment.objects.active().filter(area=area, role__in=OWNER_ROLES.get(level, ()))
                    .values_list("user_id", flat=True))

    return list(_OWNERS.get(area.pk, load))


def handlers_of(department_ids) -> list[int]:
    return list(RoleAssignment.objects.active().filter(department_id__in=list(department_ids),
                                                       role="department_handler").values_list("user_id", flat=True))


def grid_staff_of(case: Case) -> list[int]:
    return list(RoleAssignment.objects.active().filter(area_id=case.grid_id, role__in=["grid_worker", "grid_chief"])
                .values_list("user_id", flat=True))


def _url(case: Case) -> str:
    return case.get_absolute_url()


def _tell_reporter_closed(case: Case) -> None:
    """The reporter hears of the closure: in the inbox if staff, by SMS if a phone was left."""
    if case.reporter_id:
        notify([case.reporter_id], "case.closed", _("Case %(number)s was closed.") % {"number": case.number},
               _url(case), case)
    phone = decrypt(case.reporter_phone)
    if phone:
        send_sms(phone, _("[gridgov] The problem you reported (%(code)s) has been dealt with. "
                          "Please rate it with your tracking code.") % {"code": case.tracking_code})


def _take_over(case: Case, me) -> None:
    """An owner above the owning level acts: the case moves up to that level."""
    if me.owner is not None and me.owner.area_id != case.owner_area_id:
        case.owner_area = me.owner.area
        case.owner_level = owner_level_of(me.owner.area)


# --- intake ----------------------------------------------------------------------------------


def find_duplicates(category: Category, lon: float, lat: float, *, exclude_id: int | None = None,
                    radius_m: int | None = None, days: int | None = None, queryset=None) -> list[Case]:
    """Open cases of the same category within radius_m metres reported in the last `days` days."""
    from areas.geo import distance_m

    radius_m = radius_m or settings.DUPLICATE_RADIUS_M
    days = days or settings.DUPLICATE_DAYS
    dlat = radius_m / 111_000
    dlon = radius_m / (111_000 * max(0.2, abs(math.cos(math.radians(lat)))))
    qs = (queryset if queryset is not None else Case.objects).open().filter(
        category=category, lon__gte=lon - dlon, lon__lte=lon + dlon, lat__gte=lat - dlat, lat__lte=lat + dlat,
        created_at__gte=timezone.now() - dt.timedelta(days=days),
    ).exclude(state=CaseState.SUSPENDED)
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    found = [c for c in qs.select_related("category")[:50] if distance_m(lon, lat, c.lon, c.lat) <= radius_m]
    return sorted(found, key=lambda c: distance_m(lon, lat, c.lon, c.lat))


def _category(code: str) -> Category:
    from cases.catalog import active_minor

    category = active_minor(code)
    if category is None:
        raise ValidationError({"category": _("Choose a category from the catalog (a minor category code).")})
    return category


def _grid_for_point(lon, lat) -> Area:
    try:
        lon, lat = float(lon), float(lat)
    except (TypeError, ValueError) as exc:
        raise ValidationError({"lon": _("A location (longitude and latitude) is required.")}) from exc
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValidationError({"lon": _("The location is not a valid longitude/latitude.")})
    area_id = get_index().resolve(lon, lat)
    area = (_GRIDS.get(area_id, lambda: Area.objects.defer("boundary").filter(pk=area_id).first())
            if area_id is not None else None)
    if area is None or area.level not in ("grid", "cell"):
        raise ValidationError({"lon": _("This location is outside every grid of the district.")})
    return area


def report_case(
    actor,
    *,
    channel: str,
    category_code: str,
    description: str,
    lon: float | None = None,
    lat: float | None = None,
    grid: Area | None = None,
    address: str = "",
    reporter_name: str = "",
    reporter_phone: str = "",
    photos: Iterable = (),
    after_photos: Iterable = (),
    self_resolved: bool = False,
    idempotency_key: str = "",
    external_id: str = "",
    created_at: dt.datetime | None = None,
) -> tuple[Case, bool]:
    """Take a report in from any channel. Returns (case, created); a repeated idempotency key
    returns the case the first submission made, with created False."""
    idempotency_key = (idempotency_key or "").strip()[:64]
    if idempotency_key:
        # a key is only ever matched for the same submitter and channel: nobody can fish for
        # another person's case (and its tracking code) by guessing a key
        who = actor.pk if actor is not None and actor.is_authenticated else "anon"
        idempotency_key = f"{who}:{channel}:{idempotency_key}"
        # no look-up first: the key's unique index refuses a repeat inside the transaction below
        # (before any photo is stored), and the repeat gets the first submission's case
    if channel not in Channel.values:
        raise ValidationError({"channel": _("Unknown channel.")})
    description = (description or "").strip()
    if not description:
        raise ValidationError({"description": _("Please describe the problem.")})
    category = _category(category_code)
    if grid is not None:
        # a QR report: a phone's GPS point in the same street as the QR's grid is trusted (it may
        # be next door); a missing or far-off point falls back to the QR grid's centre
        located = None
        if lon not in (None, "") and lat not in (None, ""):
            try:
                located = _grid_for_point(lon, lat)
            except ValidationError:
                located = None
        street_path = "/".join(grid.path.split("/")[:4]) + "/"
        if located is None or not located.path.startswith(street_path):
            if grid.center_lon is None:
                raise ValidationError({"lon": _("This grid has no map position; please share your location.")})
            lon, lat, located = grid.center_lon, grid.center_lat, grid
        grid = located
    else:
        grid = _grid_for_point(lon, lat)
    reporter_phone = (reporter_phone or "").strip()
    if reporter_phone and not reporter_phone.replace("-", "").isdigit():
        raise ValidationError({"reporter_phone": _("The phone number may contain only digits.")})
    photo_contents = _check_photos(photos)
    after_contents = _check_photos(after_photos)

    scope = None
    if actor is not None and actor.is_authenticated:
        from accounts.scope import get_scope

        scope = get_scope(actor)
        if not scope.can("view", grid):
            raise ValidationError({"lon": _("This location is outside the areas you work in.")})
    if channel == Channel.GRID_WORKER and not (scope and scope.has_role("grid_worker", "grid_chief")):
        raise PermissionDenied(_("Only grid staff report through the grid worker channel."))
    if channel in OPERATOR_CHANNELS and not (scope and scope.has_role(*[r for roles in OWNER_ROLES.values() for r in roles])):
        raise PermissionDenied(_("Hotline, walk-in and online orders are entered by an operator."))
    if self_resolved:
        if channel != Channel.GRID_WORKER:
            raise ValidationError({"self_resolved": _("Only grid staff resolve a problem on the spot.")})
        if not photo_contents or not after_contents:
            raise ValidationError({"photos": _("Resolving on the spot needs a photo before and a photo after.")})

    # who owns it first: operators' orders go to the operator's level, everything else to the grid
    owner = grid if grid.level == "grid" else Area.objects.get(pk=grid.ancestor_ids()[-1])
    if channel in OPERATOR_CHANNELS:
        best = closest_owner_role(scope.roles, grid.path)
        owner = best.area if best else owner

    now = created_at or timezone.now()
    standard = standard_of(category)
    try:
        with transaction.atomic():
            # the number is the local date and the primary key: with the key taken first, one INSERT
            reserved = reserve_id(Case)
            day = f"{timezone.localtime(now):%Y%m%d}"
            case = Case(
                pk=reserved, number=f"{day}{reserved:07d}" if reserved else f"T{uuid.uuid4().hex[:19]}",
                category=category, description=description,
                address=(address or "").strip()[:200], lon=float(lon), lat=float(lat), grid=grid,
                area_path=grid.path, district_code=grid.district_code, channel=channel,
                external_id=(external_id or "")[:64],
                reporter=actor if actor is not None and actor.is_authenticated else None,
                reporter_name=(reporter_name or "").strip()[:50], reporter_phone=encrypt(reporter_phone),
                owner_area=owner, owner_level=owner_level_of(owner), created_at=now,
            )
            if self_resolved:
                case.state = CaseState.CLOSED
                case.self_resolved = True
                case.resolved_level = "grid"
                case.closed_at = now
                case.closed_on_time = True
            else:
                _set_step(case, now, standard.accept_hours)
            insert_row(case)
            if not reserved:
                case.number = f"{day}{case.pk:07d}"
                case.save(update_fields=["number"])
            if idempotency_key:
                insert_row(IdempotencyRecord(key=idempotency_key, case=case))
            role = ""
            if scope is not None and scope.roles:
                role = scope.roles[0].role
            event = CaseEvent(case=case, action="self_resolve" if self_resolved else "report", from_state="",
                              to_state=case.state, actor=case.reporter, actor_role=role, note=description,
                              data={"channel": channel}, created_at=now)
            insert_row(event)
            for content in photo_contents:
                _save_content(case, event, content, PhotoKind.BEFORE if self_resolved else PhotoKind.REPORT)
            for content in after_contents:
                _save_content(case, event, content, PhotoKind.AFTER)
            record(case.reporter, "case.report", case, after={"state": case.state, "channel": channel})
            if self_resolved:
                outbox.on_case_event(case, "self_resolve", "", description)
            if not self_resolved:
                notify(owners_of(owner), "case.reported", _("New case %(number)s: %(category)s")
                       % {"number": case.number, "category": category.name}, _url(case), case)
    except IntegrityError:
        if idempotency_key:
            existing = IdempotencyRecord.objects.filter(key=idempotency_key).select_related("case").first()
            if existing is not None:
                return existing.case, False
        raise
    return case, True


def _save_content(case, event, content, kind) -> CasePhoto:
    from PIL import Image

    content.seek(0)
    with Image.open(content) as image:
        width, height = image.size
    content.seek(0)
    photo = CasePhoto(case=case, event=event, kind=kind, width=width, height=height)
    photo.image.save("photo.jpg", content, save=False)
    photo.save()
    return photo


# --- the owning level ------------------------------------------------------------------------


def accept(actor, case: Case, *, note: str = "", expected_version=None) -> Case:
    with transaction.atomic():
        case, me, role = _begin(actor, case, "accept", expected_version, note)
        before = case.state
        _take_over(case, me)
        now = timezone.now()
        case.state = CaseState.ACCEPTED
        case.accepted_at = now
        _set_step(case, now, standard_of(case.category).dispatch_hours)
        _save(case)
        _event(case, "accept", before, actor, role, note)
    return case


def decline(actor, case: Case, *, note: str, expected_version=None) -> Case:
    with transaction.atomic():
        case, me, role = _begin(actor, case, "decline", expected_version, note)
        before = case.state
        case.state = CaseState.DECLINED
        _set_step(case, timezone.now(), None)
        _save(case)
        _event(case, "decline", before, actor, role, note)
    return case


def file(actor, case: Case, *, note: str = "", expected_version=None) -> Case:
    with transaction.atomic():
        case, me, role = _begin(actor, case, "file", expected_version, note)
        before = case.state
        _take_over(case, me)
        case.state = CaseState.FILED
        case.filed_at = timezone.now()
        # the dispatch step's clock started at acceptance and keeps running
        _save(case)
        _event(case, "file", before, actor, role, note)
    return case


def resolve(actor, case: Case, *, note: str, photos: Iterable = (), expected_version=None) -> Case:
    """The owning level solves it itself (琐事不出网格，小事不出社区)."""
    may(actor, case, "resolve")
    contents = _check_photos(photos)
    with transaction.atomic():
        case, me, role = _begin(actor, case, "resolve", expected_version, note)
        standard = standard_of(case.category)
        if LEVEL_RANK[me.owner.area.level] < LEVEL_RANK[standard.close_level]:
            raise PermissionDenied(_("Cases of this category are closed at %(level)s level or above.")
                                   % {"level": standard.get_close_level_display()})
        before = case.state
        _take_over(case, me)
        now = timezone.now()
        case.state = CaseState.CLOSED
        case.resolved_level = case.owner_level
        case.closed_at = now
        case.closed_on_time = case.due_at is None or now <= case.due_at
        _set_step(case, now, None)
        _save(case)
        event = _event(case, "resolve", before, actor, role, note)
        for content in contents:
            _save_content(case, event, content, PhotoKind.AFTER)
        _tell_reporter_closed(case)
    return case


def escalate(actor, case: Case, *, note: str, expected_version=None) -> Case:
    """Send the case up one level with a reason (grid → community → street → district)."""
    with transaction.atomic():
        case, me, role = _begin(actor, case, "escalate", expected_version, note)
        if case.owner_level == "district" or case.owner_area.parent_id is None:
            raise CaseConflict(_("The district is the top level; the case cannot go higher."), code="state")
        before = case.state
        parent = Area.objects.get(pk=case.owner_area.parent_id)
        case.owner_area = parent
        case.owner_level = owner_level_of(parent)
        case.escalation_count += 1
        _save(case)
        _event(case, "escalate", before, actor, role, note, data={"to_level": case.owner_level, "to_area": parent.code})
        notify(owners_of(parent), "case.escalated", _("Case %(number)s was escalated to you.") % {"number": case.number},
               _url(case), case)
    return case


def merge(actor, case: Case, *, into: Case, note: str = "", expected_version=None) -> Case:
    """A report about a problem already being handled: it follows the original case from now on."""
    with transaction.atomic():
        if into.pk < case.pk:
            _lock(into.pk)  # both rows are locked in primary-key order
        case, me, role = _begin(actor, case, "merge", expected_version, note)
        target = _lock(into.pk)
        if target.pk == case.pk or not target.is_open or target.merged_into_id:
            raise ValidationError({"into": _("Merge into another open case.")})
        if standing(actor, target).owner is None and standing(actor, target).superior is None:
            raise PermissionDenied(_("You may not merge into that case."))
        before = case.state
        case.state = CaseState.MERGED
        case.merged_into = target
        _set_step(case, timezone.now(), None)
        _save(case)
        _event(case, "merge", before, actor, role, note, data={"into": target.number})
        CaseEvent.objects.create(case=target, action="merged_in", from_state=target.state, to_state=target.state,
                                 actor=actor, actor_role=role, note=note, data={"from": case.number}, public=False)
    return case


def dispatch(actor, case: Case, *, departments: list[Department], note: str = "", expected_version=None) -> Case:
    """Send the case to one department or several in parallel (吹哨报到): one task each."""
    may(actor, case, "dispatch")
    departments = list({d.pk: d for d in departments}.values())
    if not departments:
        raise ValidationError({"departments": _("Choose at least one department.")})
    with transaction.atomic():
        case, me, role = _begin(actor, case, "dispatch", expected_version, note)
        allowed = set(Department.objects.restrict(actor).filter(is_active=True).values_list("pk", flat=True))
        for department in departments:
            serves_here = case.area_path.startswith(department.area.path)
            if department.pk not in allowed or not serves_here:
                raise ValidationError({"departments": _("The department %(name)s cannot be summoned here.")
                                       % {"name": department.name}})
        before = case.state
        _take_over(case, me)
        now = timezone.now()
        standard = standard_of(case.category)
        calendar = get_calendar()
        case.handle_due_at = calendar.add(now, standard.handle_limit, standard.handle_unit)
        case.state = CaseState.DISPATCHED
        case.dispatched_at = case.dispatched_at or now
        case.dispatch_count += 1
        _set_step(case, now, standard.handle_limit, standard.handle_unit)
        CaseTask.objects.filter(case=case, state__in=OPEN_TASK_STATES).update(state=TaskState.CANCELLED)
        tasks = [CaseTask.objects.create(case=case, department=d, due_at=case.handle_due_at) for d in departments]
        _save(case)
        _event(case, "dispatch", before, actor, role, note,
               data={"departments": [d.code for d in departments], "due_at": case.handle_due_at.isoformat()})
        notify(handlers_of([t.department_id for t in tasks]), "case.dispatched",
               _("Case %(number)s was dispatched to your department.") % {"number": case.number}, _url(case), case)
    return case


# --- departments -----------------------------------------------------------------------------


def _my_task(case: Case, me, department: Department | None, states) -> CaseTask:
    tasks = CaseTask.objects.select_for_update().filter(case=case, department_id__in=me.departments, state__in=states)
    if department is not None:
        tasks = tasks.filter(department=department)
    task = tasks.order_by("id").first()
    if task is None:
        raise CaseConflict(_("Your department has no task on this case in that state."), code="state")
    return task


def _after_tasks_change(case: Case, now) -> None:
    """Move the case on when its departments are done: all reported back → verification; all
    returned → back to dispatch."""
    tasks = list(CaseTask.objects.filter(case=case).exclude(state=TaskState.CANCELLED))
    open_tasks = [t for t in tasks if t.state in OPEN_TASK_STATES]
    handled = [t for t in tasks if t.state == TaskState.HANDLED]
    if open_tasks:
        return
    if handled:
        case.state = CaseState.VERIFYING
        case.handled_at = now
        _set_step(case, now, standard_of(case.category).verify_hours)
    else:
        case.state = CaseState.FILED
        case.return_count += 1
        _set_step(case, now, standard_of(case.category).dispatch_hours)


def accept_task(actor, case: Case, *, department: Department | None = None, note: str = "",
                expected_version=None) -> CaseTask:
    with transaction.atomic():
        case, me, role = _begin(actor, case, "accept_task", expected_version, note)
        task = _my_task(case, me, department, [TaskState.DISPATCHED])
        before = case.state
        now = timezone.now()
        task.state = TaskState.HANDLING
        task.accepted_at = now
        task.save(update_fields=["state", "accepted_at"])
        case.state = CaseState.HANDLING
        _save(case)
        _event(case, "accept_task", before, actor, role, note, task=task, department=task.department)
    return task


def return_task(actor, case: Case, *, note: str, department: Department | None = None,
                expected_version=None) -> CaseTask:
    with transaction.atomic():
        case, me, role = _begin(actor, case, "return_task", expected_version, note)
        task = _my_task(case, me, department, [TaskState.DISPATCHED, TaskState.HANDLING])
        before = case.state
        task.state = TaskState.RETURNED
        task.save(update_fields=["state"])
        _after_tasks_change(case, timezone.now())
        _save(case)
        _event(case, "return_task", before, actor, role, note, task=task, department=task.department)
        notify(owners_of(case.owner_area), "case.returned",
               _("%(department)s returned case %(number)s.") % {"department": task.department.name,
                                                                 "number": case.number}, _url(case), case)
    return task


def report_back(actor, case: Case, *, note: str, photos: Iterable = (), department: Department | None = None,
                expected_version=None) -> CaseTask:
    may(actor, case, "report_back")
    contents = _check_photos(photos)
    with transaction.atomic():
        case, me, role = _begin(actor, case, "report_back", expected_version, note)
        task = _my_task(case, me, department, [TaskState.HANDLING])
        before = case.state
        now = timezone.now()
        task.state = TaskState.HANDLED
        task.handled_at = now
        task.result = note
        task.extension_requested_hours = None
        task.save(update_fields=["state", "handled_at", "result", "extension_requested_hours"])
        _after_tasks_change(case, now)
        _save(case)
        event = _event(case, "report_back", before, actor, role, note, task=task, department=task.department)
        for content in contents:
            _save_content(case, event, content, PhotoKind.HANDLED)
        if case.state == CaseState.VERIFYING:
            notify(grid_staff_of(case), "case.verify", _("Case %(number)s is ready for verification on site.")
                   % {"number": case.number}, _url(case), case)
    return task


def request_extension(actor, case: Case, *, hours: int, note: str, department: Department | None = None,
                      expected_version=None) -> CaseTask:
    may(actor, case, "request_extension")
    try:
        hours = int(hours)
    except (TypeError, ValueError) as exc:
        raise ValidationError({"hours": _("Give the extra time in working hours.")}) from exc
    if not 1 <= hours <= 24 * 30:
        raise ValidationError({"hours": _("Give the extra time in working hours.")})
    with transaction.atomic():
        case, me, role = _begin(actor, case, "request_extension", expected_version, note)
        task = _my_task(case, me, department, [TaskState.DISPATCHED, TaskState.HANDLING])
        if task.extension_requested_hours:
            raise CaseConflict(_("An extension request is already waiting for a decision."), code="state")
        task.extension_requested_hours = hours
        task.extension_reason = note[:300]
        task.save(update_fields=["extension_requested_hours", "extension_reason"])
        _save(case)
        _event(case, "request_extension", case.state, actor, role, note, task=task, department=task.department,
               data={"hours": hours}, public=False)
        notify(owners_of(case.owner_area), "case.extension",
               _("%(department)s asks for more time on case %(number)s.")
               % {"department": task.department.name, "number": case.number}, _url(case), case)
    return task


def decide_extension(actor, case: Case, *, task: CaseTask, approve: bool, note: str = "",
                     expected_version=None) -> CaseTask:
    name = "approve_extension" if approve else "refuse_extension"
    with transaction.atomic():
        case, me, role = _begin(actor, case, name, expected_version, note)
        task = CaseTask.objects.select_for_update().filter(pk=task.pk, case=case).first()
        if task is None or not task.extension_requested_hours or task.state not in OPEN_TASK_STATES:
            raise CaseConflict(_("There is no extension request waiting on this task."), code="state")
        hours = task.extension_requested_hours
        data = {"hours": hours, "department": task.department.code}
        if approve:
            calendar = get_calendar()
            task.due_at = calendar.add_hours(task.due_at or timezone.now(), hours)
            task.extension_requested_hours = None
            task.save(update_fields=["due_at", "extension_requested_hours"])
            case.extension_count += 1
            case.due_at = max(t.due_at for t in CaseTask.objects.filter(case=case, state__in=OPEN_TASK_STATES)
                              if t.due_at)
            case.handle_due_at = case.due_at
            case.warn_at = calendar.fraction_point(case.step_started_at or timezone.now(), case.due_at, WARN_FRACTION)
            case.warned_at = None
            case.overdue_at = None
            data["due_at"] = task.due_at.isoformat()
        task.extension_requested_hours = None
        task.save(update_fields=["extension_requested_hours", "due_at"])
        _save(case)
        _event(case, name, case.state, actor, role, note, task=task, department=task.department, data=data,
               public=False)
        notify(handlers_of([task.department_id]), f"case.{name}",
               (_("Extension approved for case %(number)s.") if approve else
                _("Extension refused for case %(number)s.")) % {"number": case.number}, _url(case), case)
    return task


# --- verification, closing, after closing ----------------------------------------------------


def verify(actor, case: Case, *, passed: bool, note: str = "", photos: Iterable = (), expected_version=None) -> Case:
    """The grid's worker checks the result on site, with a photo: close, or send back for rework."""
    name = "verify_pass" if passed else "verify_fail"
    may(actor, case, name)
    contents = _check_photos(photos)
    if not contents:
        raise ValidationError({"photos": _("Verification needs a photo taken on site.")})
    with transaction.atomic():
        case, me, role = _begin(actor, case, name, expected_version, note)
        before = case.state
        now = timezone.now()
        if passed:
            case.state = CaseState.CLOSED
            case.closed_at = now
            case.resolved_level = case.owner_level
            deadline = case.handle_due_at or case.due_at
            case.closed_on_time = deadline is None or (case.handled_at or now) <= deadline
            _set_step(case, now, None)
        else:
            case.state = CaseState.HANDLING
            case.rework_count += 1
            tasks = list(CaseTask.objects.select_for_update().filter(case=case, state=TaskState.HANDLED))
            for task in tasks:
                task.state = TaskState.HANDLING
                task.rework_count += 1
                task.save(update_fields=["state", "rework_count"])
            standard = standard_of(case.category)
            _set_step(case, now, standard.handle_limit, standard.handle_unit)
            case.handle_due_at = case.due_at
            CaseTask.objects.filter(pk__in=[t.pk for t in tasks]).update(due_at=case.due_at)
        _save(case)
        event = _event(case, name, before, actor, role, note)
        for content in contents:
            _save_content(case, event, content, PhotoKind.VERIFY)
        if passed:
            _tell_reporter_closed(case)
        else:
            notify(handlers_of(CaseTask.objects.filter(case=case, state=TaskState.HANDLING)
                               .values_list("department_id", flat=True)),
                   "case.rework", _("Case %(number)s failed verification: rework.") % {"number": case.number},
                   _url(case), case)
    return case


def suspend(actor, case: Case, *, note: str, review_on: dt.date, expected_version=None) -> Case:
    if not review_on or review_on <= timezone.localdate():
        raise ValidationError({"review_on": _("Give a review date in the future.")})
    with transaction.atomic():
        case, me, role = _begin(actor, case, "suspend", expected_version, note)
        before = case.state
        case.state_before_suspension = case.state
        case.state = CaseState.SUSPENDED
        case.review_on = review_on
        _save(case)
        _event(case, "suspend", before, actor, role, note, data={"review_on": review_on.isoformat()})
    return case


def resume(actor, case: Case, *, note: str = "", expected_version=None) -> Case:
    with transaction.atomic():
        case, me, role = _begin(actor, case, "resume", expected_version, note)
        before = case.state
        case.state = case.state_before_suspension or CaseState.FILED
        case.state_before_suspension = ""
        case.review_on = None
        now = timezone.now()
        standard = standard_of(case.category)
        if case.state in (CaseState.DISPATCHED, CaseState.HANDLING):
            _set_step(case, now, standard.handle_limit, standard.handle_unit)
            case.handle_due_at = case.due_at
            CaseTask.objects.filter(case=case, state__in=OPEN_TASK_STATES).update(due_at=case.due_at)
        else:
            _set_step(case, now, standard.dispatch_hours)
        _save(case)
        _event(case, "resume", before, actor, role, note)
    return case


def supervise(actor, case: Case, *, note: str, remind_only: bool = False, expected_version=None) -> Case:
    """督办 / 催办: pressure from above; the owners and departments are notified."""
    name = "remind" if remind_only else "supervise"
    with transaction.atomic():
        case, me, role = _begin(actor, case, name, expected_version, note)
        _save(case)
        _event(case, name, case.state, actor, role, note, public=False)
        recipients = owners_of(case.owner_area) + handlers_of(
            CaseTask.objects.filter(case=case, state__in=OPEN_TASK_STATES).values_list("department_id", flat=True))
        message = (_("Reminder on case %(number)s: %(note)s") if remind_only
                   else _("Case %(number)s is under supervision: %(note)s")) % {"number": case.number, "note": note}
        notify(recipients, f"case.{name}", message, _url(case), case)
    return case


def void(actor, case: Case, *, note: str, expected_version=None) -> Case:
    with transaction.atomic():
        case, me, role = _begin(actor, case, "void", expected_version, note)
        before = case.state
        case.state = CaseState.VOIDED
        CaseTask.objects.filter(case=case, state__in=OPEN_TASK_STATES).update(state=TaskState.CANCELLED)
        _set_step(case, timezone.now(), None)
        _save(case)
        _event(case, "void", before, actor, role, note)
    return case


def _reopen(case: Case, actor, role: str, note: str, name: str, *, data=None, write_event: bool = True) -> None:
    before = case.state
    now = timezone.now()
    case.state = CaseState.FILED
    case.reopen_count += 1
    case.closed_at = None
    case.closed_on_time = None
    case.resolved_level = ""
    _set_step(case, now, standard_of(case.category).dispatch_hours)
    _save(case)
    if write_event:
        _event(case, name, before, actor, role, note, data=data)
    notify(owners_of(case.owner_area), "case.reopened", _("Case %(number)s was reopened.") % {"number": case.number},
           _url(case), case)


def reopen(actor, case: Case, *, note: str, expected_version=None) -> Case:
    with transaction.atomic():
        case, me, role = _begin(actor, case, "reopen", expected_version, note)
        if case.closed_at and timezone.now() - case.closed_at > dt.timedelta(days=settings.CASE_REOPEN_DAYS):
            raise CaseConflict(_("A case can be reopened within %(days)d days of closing.")
                               % {"days": settings.CASE_REOPEN_DAYS}, code="state")
        _reopen(case, actor, role, note, "reopen")
    return case


def callback(actor, case: Case, *, note: str, satisfied: bool | None = None, expected_version=None) -> Case:
    """回访: an operator calls the reporter of a hotline/walk-in/online case back."""
    with transaction.atomic():
        case, me, role = _begin(actor, case, "callback", expected_version, note)
        if case.channel not in OPERATOR_CHANNELS:
            raise CaseConflict(_("Callbacks are recorded for hotline, walk-in and online cases."), code="state")
        _save(case)
        _event(case, "callback", case.state, actor, role, note, data={"satisfied": satisfied}, public=False)
    return case


def rate(tracking_code: str, *, rating: int, comment: str = "") -> Case:
    """谁呼谁评: the reporter rates a closed case once (1–5); a rating of 1 or 2 reopens it, once."""
    try:
        rating = int(rating)
    except (TypeError, ValueError) as exc:
        raise ValidationError({"rating": _("Choose a rating from 1 to 5.")}) from exc
    if not 1 <= rating <= 5:
        raise ValidationError({"rating": _("Choose a rating from 1 to 5.")})
    with transaction.atomic():
        case = Case.objects.select_for_update().filter(tracking_code=(tracking_code or "").strip().upper()).first()
        if case is None:
            raise ValidationError({"tracking_code": _("No case has this tracking code.")})
        followed = case
        while followed.merged_into_id:  # a merged report follows the case it was merged into
            followed = Case.objects.get(pk=followed.merged_into_id)
        if followed.state != CaseState.CLOSED:
            raise CaseConflict(_("The case can be rated once it is closed."), code="state")
        ratings = CaseEvent.objects.filter(case=case, action="rate").count()
        # one rating; one more only when the first (a bad one) reopened the case and it closed again
        second_chance = (ratings == 1 and case.rating_reopened and case.closed_at and case.rated_at
                         and case.rated_at < case.closed_at)
        if case.rating is not None and not second_chance:
            raise CaseConflict(_("This case has already been rated."), code="state")
        case.rating = rating
        case.rating_comment = (comment or "").strip()[:500]
        case.rated_at = timezone.now()
        if case.pk == followed.pk and rating <= 2 and not case.rating_reopened:
            # one timeline row for the rating that reopened the case
            case.rating_reopened = True
            _reopen(case, None, "reporter", "", "rate", write_event=False)
            _event(case, "rate", CaseState.CLOSED, None, "reporter", case.rating_comment,
                   data={"rating": rating, "reopened": True})
        else:
            # a merged reporter's rating is kept on their own report; it never reopens the original
            _save(case)
            _event(case, "rate", case.state, None, "reporter", case.rating_comment, data={"rating": rating})
    return case


def save_standard(actor, standard, **fields):
    """An administrator edits a category's handling standard (标准清单); audited."""
    from accounts.scope import get_scope

    if actor is not None and not get_scope(actor).has_role("system_admin") and not actor.is_superuser:
        raise PermissionDenied(_("Only system administrators edit the handling standards."))
    from core.audit import snapshot

    with transaction.atomic():
        before = snapshot(standard) if standard.pk else None
        for key, value in fields.items():
            setattr(standard, key, value)
        standard.full_clean()
        standard.save()
        record(actor, "standard.update", standard, before=before, after=snapshot(standard))
    return standard
