"""The detection job (研判预警): clusters, rises over baseline and repeat reporters, raised as
`EarlyWarning` rows, the owning level notified after commit.

Only the recent window is read (`cases_case.created_at` is indexed): the cluster and the repeat
reporter rules look at the last 7 and 30 days, the rise rule at the last 1 + 8 weeks. The rules
(see docs/indicators.md, "Early warning"):

- **cluster**: a report with at least N − 1 other reports of the same minor category within R
  metres of it (great-circle distance), all reported in the last D days (N = 3, R = 300, D = 7).
  Points are bucketed in cells of R metres; a point is compared only with the points of its own
  and the eight neighbouring cells, so the work grows with the points, not with their square.
  Clusters are taken greedily: the report with the most neighbours first, with every neighbour
  not yet in a cluster; then the next.
- **rise**: per community and minor category, this week's reports c (the last 7 days) against the
  previous W weeks' counts b₁…b_W (W = 8): mean μ, population standard deviation σ; raised when
  c ≥ MIN (5) and c > μ + k·max(σ, √μ, 1) (k = 3). Score (c − μ) / max(σ, √μ, 1).
- **repeat reporter**: the same reporter (keyed blind index of the phone, the Open311 account or
  device, or the resident's account; never plaintext; grid workers' patrol reports have none)
  with ≥ 3 reports in the last 30 days, or ≥ 2 of the same minor category within R metres.

Deduplication: each warning has a `dedup_key` (kind, category and the place or the reporter); a
still-active warning (open or acknowledged) sharing a case with the new finding, or with the same
key, is updated in place (count, cases, window, score) instead of raising a new one. After a
warning is closed, the same finding raises a new warning only when it holds a case the closed one
did not.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from areas.models import Area
from cases.choices import CaseState, Channel
from cases.models import Case
from core.crypto import blind_index, decrypt
from core.notify import notify
from earlywarning.choices import ACTIVE_STATES, NOTIFIED_ROLES, WarningKind, WarningState
from earlywarning.models import DetectionState, EarlyWarning, ReporterKey

EARTH_RADIUS_M = 6371008.8
METRES_PER_DEGREE = EARTH_RADIUS_M * math.pi / 180
CASE_IDS_CAP = 200
NOT_COUNTED = [CaseState.DECLINED, CaseState.VOIDED, CaseState.MERGED]
STAFF_CHANNELS = {Channel.GRID_WORKER, Channel.HOTLINE, Channel.WALK_IN, Channel.ONLINE}


def conf(name: str, default):
    return getattr(settings, f"WARNINGS_{name}", default)


@dataclass(frozen=True)
class Rules:
    cluster_min: int = 3
    cluster_radius_m: float = 300.0
    cluster_days: int = 7
    rise_weeks: int = 8
    rise_k: float = 3.0
    rise_min: int = 5
    repeat_days: int = 30
    repeat_min: int = 3
    repeat_same_place_min: int = 2

    @classmethod
    def from_settings(cls) -> Rules:
        return cls(cluster_min=conf("CLUSTER_MIN", 3), cluster_radius_m=float(conf("CLUSTER_RADIUS_M", 300)),
                   cluster_days=conf("CLUSTER_DAYS", 7), rise_weeks=conf("RISE_WEEKS", 8),
                   rise_k=float(conf("RISE_K", 3.0)), rise_min=conf("RISE_MIN", 5),
                   repeat_days=conf("REPEAT_DAYS", 30), repeat_min=conf("REPEAT_MIN", 3),
                   repeat_same_place_min=conf("REPEAT_SAME_PLACE_MIN", 2))


def distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle (haversine) distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


@dataclass
class Point:
    id: int
    category_id: int
    lon: float
    lat: float
    path: str
    created_at: dt.datetime


@dataclass
class Finding:
    kind: str
    dedup_key: str
    category_id: int | None
    area_path: str
    points: list[Point]
    window_start: dt.datetime
    window_end: dt.datetime
    count: int
    baseline: float | None = None
    score: float = 0.0
    center: tuple[float, float] | None = None
    radius_m: int | None = None
    reporter_key: str = ""
    case_ids: list[int] = field(default_factory=list)


# --- geometry ----------------------------------------------------------------------------------


def neighbours(points: list[Point], radius_m: float) -> dict[int, list[int]]:
    """For each point (by index), the indexes of the other points within radius_m: a lattice of
    cells radius_m wide (equirectangular metres), each point compared with the 3 × 3 cells around it."""
    if not points:
        return {}
    lat0 = math.radians(sum(p.lat for p in points) / len(points))
    # cells a little smaller than the radius in x at the far edge never lose a neighbour: use the
    # largest cos over the points, so a cell is never narrower in metres than radius_m
    cos_max = max(math.cos(math.radians(p.lat)) for p in points) or math.cos(lat0)
    cells: dict[tuple[int, int], list[int]] = defaultdict(list)
    keys = []
    for i, p in enumerate(points):
        key = (math.floor(p.lon * METRES_PER_DEGREE * cos_max / radius_m),
               math.floor(p.lat * METRES_PER_DEGREE / radius_m))
        cells[key].append(i)
        keys.append(key)
    out: dict[int, list[int]] = {}
    for i, p in enumerate(points):
        cx, cy = keys[i]
        near = []
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for j in cells.get((cx + dx, cy + dy), ()):
                    if j != i and distance_m(p.lon, p.lat, points[j].lon, points[j].lat) <= radius_m:
                        near.append(j)
        out[i] = near
    return out


def common_path(paths) -> str:
    """The deepest area path every one of `paths` lies under ("/1/2/3/" for "/1/2/3/4/" and "/1/2/3/5/")."""
    parts = None
    for path in paths:
        ids = [p for p in path.strip("/").split("/") if p]
        if parts is None:
            parts = ids
        else:
            n = 0
            while n < min(len(parts), len(ids)) and parts[n] == ids[n]:
                n += 1
            parts = parts[:n]
    return "/" + "/".join(parts or []) + "/" if parts else ""


def centre_of(points: list[Point]) -> tuple[tuple[float, float], int]:
    lon = sum(p.lon for p in points) / len(points)
    lat = sum(p.lat for p in points) / len(points)
    radius = max(distance_m(lon, lat, p.lon, p.lat) for p in points)
    return (lon, lat), max(50, math.ceil(radius))


# --- the rules ---------------------------------------------------------------------------------


def recent_cases(since: dt.datetime, until: dt.datetime):
    return (Case.objects.filter(created_at__gte=since, created_at__lt=until).exclude(state__in=NOT_COUNTED)
            .order_by())


def find_clusters(now: dt.datetime, rules: Rules) -> list[Finding]:
    start = now - dt.timedelta(days=rules.cluster_days)
    by_category: dict[int, list[Point]] = defaultdict(list)
    for row in recent_cases(start, now).values_list("id", "category_id", "lon", "lat", "area_path", "created_at"):
        by_category[row[1]].append(Point(*row))
    findings = []
    for category_id, points in sorted(by_category.items()):
        if len(points) < rules.cluster_min:
            continue
        points.sort(key=lambda p: (p.created_at, p.id))
        near = neighbours(points, rules.cluster_radius_m)
        taken: set[int] = set()
        order = sorted(range(len(points)), key=lambda i: (-len(near[i]), points[i].created_at, points[i].id))
        for seed in order:
            if seed in taken or len(near[seed]) + 1 < rules.cluster_min:
                continue
            members = [seed] + [j for j in near[seed] if j not in taken]
            if len(members) < rules.cluster_min:
                continue
            taken.update(members)
            group = sorted((points[i] for i in members), key=lambda p: (p.created_at, p.id))
            center, radius = centre_of(group)
            seed_point = points[seed]
            cell = (math.floor(seed_point.lon * 1000), math.floor(seed_point.lat * 1000))
            findings.append(Finding(
                kind=WarningKind.CLUSTER, dedup_key=f"cluster:{category_id}:{cell[0]}:{cell[1]}",
                category_id=category_id, area_path=common_path(p.path for p in group), points=group,
                window_start=start, window_end=now, count=len(group), center=center, radius_m=radius,
                score=len(group) / rules.cluster_min))
    return findings


def find_rises(now: dt.datetime, rules: Rules) -> list[Finding]:
    weeks = rules.rise_weeks
    edges = [now - dt.timedelta(days=7 * i) for i in range(weeks + 2)]  # edges[0] = now
    counts = {f"w{i}": Count("id", filter=Q(created_at__gte=edges[i + 1], created_at__lt=edges[i]))
              for i in range(weeks + 1)}
    totals: dict[tuple[str, int], list[int]] = defaultdict(lambda: [0] * (weeks + 1))
    # one row per (grid, minor category) with a report in the nine weeks, summed per community
    for row in recent_cases(edges[-1], now).values("area_path", "category_id").annotate(**counts):
        parts = [p for p in row["area_path"].strip("/").split("/") if p]
        if len(parts) < 3:
            continue
        bucket = totals[("/" + "/".join(parts[:3]) + "/", row["category_id"])]
        for i in range(weeks + 1):
            bucket[i] += row[f"w{i}"]
    findings = []
    for (community, category_id), bucket in sorted(totals.items()):
        current, history = bucket[0], bucket[1:]
        mean = sum(history) / weeks
        std = math.sqrt(sum((b - mean) ** 2 for b in history) / weeks)
        spread = max(std, math.sqrt(mean), 1.0)
        if current < rules.rise_min or current <= mean + rules.rise_k * spread:
            continue
        window_start = edges[1]
        points = [Point(*r) for r in recent_cases(window_start, now)
                  .filter(area_path__startswith=community, category_id=category_id)
                  .order_by("created_at", "id")
                  .values_list("id", "category_id", "lon", "lat", "area_path", "created_at")[:CASE_IDS_CAP]]
        center, radius = centre_of(points) if points else (None, None)
        findings.append(Finding(
            kind=WarningKind.RISE, dedup_key=f"rise:{community.strip('/').split('/')[-1]}:{category_id}",
            category_id=category_id, area_path=community, points=points, window_start=window_start,
            window_end=now, count=current, baseline=round(mean, 2), score=round((current - mean) / spread, 2),
            center=center, radius_m=radius))
    return findings


def reporter_key_of(phone_token: str, channel: str, reporter_id, open311) -> str:
    phone = decrypt(phone_token) if phone_token else ""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if digits:
        return blind_index(f"tel:{digits}")
    if open311 is not None:
        client_id, account_id, device_id = open311
        who = account_id or device_id
        if who:
            return blind_index(f"open311:{client_id}:{who}")
    if reporter_id and channel not in STAFF_CHANNELS:
        return blind_index(f"user:{reporter_id}")
    return ""


def fill_reporter_keys(since: dt.datetime, until: dt.datetime) -> int:
    """Write the reporter key of every case of the window that has none yet (each case is
    decrypted once, ever). Returns how many were written."""
    from open311.models import Open311Request

    missing = (Case.objects.filter(created_at__gte=since, created_at__lt=until).order_by()
               .exclude(pk__in=ReporterKey.objects.filter(created_at__gte=since).values("case_id"))
               .values_list("id", "reporter_phone", "channel", "reporter_id", "created_at"))
    written = 0
    batch = []
    for row in missing.iterator(chunk_size=2000):
        batch.append(row)
        if len(batch) >= 2000:
            written += _write_keys(batch, Open311Request)
            batch = []
    if batch:
        written += _write_keys(batch, Open311Request)
    return written


def _write_keys(batch, Open311Request) -> int:
    open311 = {r[0]: r[1:] for r in Open311Request.objects.filter(case_id__in=[b[0] for b in batch])
               .values_list("case_id", "client_id", "account_id", "device_id")}
    ReporterKey.objects.bulk_create(
        [ReporterKey(case_id=cid, key=reporter_key_of(phone, channel, reporter_id, open311.get(cid)), created_at=at)
         for cid, phone, channel, reporter_id, at in batch], ignore_conflicts=True)
    return len(batch)


def find_repeat_reporters(now: dt.datetime, rules: Rules) -> list[Finding]:
    start = now - dt.timedelta(days=rules.repeat_days)
    fill_reporter_keys(start, now)
    # keys older than the window are never read again: the table stays the size of one window
    ReporterKey.objects.filter(created_at__lt=start - dt.timedelta(days=1)).delete()
    keyed = ReporterKey.objects.filter(created_at__gte=start, created_at__lt=now).exclude(key="")
    repeated = (keyed.values("key").annotate(n=Count("case_id"))
                .filter(n__gte=min(rules.repeat_min, rules.repeat_same_place_min)).values("key"))
    key_of = dict(keyed.filter(key__in=repeated).values_list("case_id", "key"))
    by_key: dict[str, list[Point]] = defaultdict(list)
    for row in (recent_cases(start, now).filter(pk__in=list(key_of))
                .values_list("id", "category_id", "lon", "lat", "area_path", "created_at")):
        by_key[key_of[row[0]]].append(Point(*row))
    findings = []
    for key, points in sorted(by_key.items()):
        points.sort(key=lambda p: (p.created_at, p.id))
        group = points if len(points) >= rules.repeat_min else []
        category_id = None
        if not group:  # ≥ 2 of one minor category within R metres
            for cat in sorted({p.category_id for p in points}):
                same = [p for p in points if p.category_id == cat]
                near = neighbours(same, rules.cluster_radius_m)
                best = max(range(len(same)), key=lambda i: len(near[i]))
                if len(near[best]) + 1 >= rules.repeat_same_place_min:
                    group = sorted([same[best]] + [same[j] for j in near[best]], key=lambda p: (p.created_at, p.id))
                    category_id = cat
                    break
        if not group:
            continue
        cats = {p.category_id for p in group}
        if category_id is None and len(cats) == 1:
            category_id = next(iter(cats))
        center, radius = centre_of(group)
        findings.append(Finding(
            kind=WarningKind.REPEAT_REPORTER, dedup_key=f"repeat:{key[:40]}", category_id=category_id,
            area_path=common_path(p.path for p in group), points=group, window_start=start, window_end=now,
            count=len(group), score=float(len(group)), center=center, radius_m=radius, reporter_key=key))
    return findings


# --- writing -----------------------------------------------------------------------------------


def _apply(finding: Finding, areas_by_path: dict, now: dt.datetime) -> tuple[EarlyWarning | None, bool]:
    """Create or update the warning for a finding. Returns (warning or None, raised anew)."""
    ids = [p.id for p in finding.points][:CASE_IDS_CAP]
    area = areas_by_path.get(finding.area_path)
    if area is None:
        return None, False
    same_kind = EarlyWarning.objects.select_for_update().filter(kind=finding.kind)
    if finding.category_id is not None or finding.kind != WarningKind.REPEAT_REPORTER:
        same_kind = same_kind.filter(category_id=finding.category_id)
    active = list(same_kind.filter(state__in=ACTIVE_STATES, district_code=area.district_code))
    match = next((w for w in active if w.dedup_key == finding.dedup_key), None)
    if match is None:
        match = next((w for w in active if set(w.case_ids) & set(ids)), None)
    values = dict(area=area, area_path=area.path, district_code=area.district_code, count=finding.count,
                  baseline=finding.baseline, score=finding.score, case_ids=ids,
                  first_case_id=ids[0] if ids else None, last_case_id=ids[-1] if ids else None,
                  center_lon=finding.center[0] if finding.center else None,
                  center_lat=finding.center[1] if finding.center else None, radius_m=finding.radius_m,
                  window_end=finding.window_end, reporter_key=finding.reporter_key, updated_at=now)
    if match is not None:
        changed = match.count != finding.count or set(match.case_ids) != set(ids)
        for name, value in values.items():
            setattr(match, name, value)
        match.save()
        return (match if changed else None), False
    closed = same_kind.filter(state=WarningState.CLOSED, dedup_key=finding.dedup_key).values_list("case_ids", flat=True)
    seen = {cid for case_ids in closed for cid in case_ids}
    if seen and not set(ids) - seen:
        return None, False  # the same finding was closed already
    warning = EarlyWarning.objects.create(kind=finding.kind, category_id=finding.category_id,
                                          dedup_key=finding.dedup_key, window_start=finding.window_start,
                                          created_at=now, **values)
    return warning, True


def recipients(area: Area) -> set[int]:
    """The people who hear of a warning in `area`: holders of NOTIFIED_ROLES bound to the area,
    then to each ancestor upwards, stopping after the first level at or above the community that
    had anyone (a grid's warning reaches its grid chief and its community officers)."""
    from accounts.models import RoleAssignment

    chain = [area.pk, *reversed(area.ancestor_ids())] if hasattr(area, "ancestor_ids") else [area.pk]
    levels = dict(Area.objects.filter(pk__in=chain).values_list("pk", "level"))
    holders = defaultdict(set)
    for area_id, user_id in (RoleAssignment.objects.active().filter(area_id__in=chain, role__in=NOTIFIED_ROLES,
                                                                    user__is_active=True)
                             .values_list("area_id", "user_id")):
        holders[area_id].add(user_id)
    found: set[int] = set()
    for area_id in chain:
        found |= holders.get(area_id, set())
        if found and levels.get(area_id) in ("community", "street", "district"):
            break
    return found


def detect(now: dt.datetime | None = None, rules: Rules | None = None, notify_people: bool = True) -> dict:
    """One detection run: every rule over its window, warnings created or updated, the owning
    levels notified after commit (one message per person per run). Returns counts."""
    now = now or timezone.now()
    rules = rules or Rules.from_settings()
    with transaction.atomic():
        state, _created = DetectionState.objects.get_or_create(pk=1)
        DetectionState.objects.select_for_update().filter(pk=1).first()
        findings = find_clusters(now, rules) + find_rises(now, rules) + find_repeat_reporters(now, rules)
        paths = {f.area_path for f in findings}
        areas_by_path = {a.path: a for a in Area.objects.filter(path__in=paths).defer("boundary")}
        raised, updated = [], 0
        for finding in findings:
            warning, new = _apply(finding, areas_by_path, now)
            if new:
                raised.append(warning)
            elif warning is not None:
                updated += 1
        per_person: dict[int, list[EarlyWarning]] = defaultdict(list)
        for warning in raised:
            for user_id in recipients(warning.area):
                per_person[user_id].append(warning)
        if notify_people:
            _notify(per_person)
        result = {"findings": len(findings), "raised": len(raised), "updated": updated,
                  "notified": len(per_person), "at": now.isoformat()}
        DetectionState.objects.filter(pk=1).update(last_run_at=now, last_result=result)
    return result


def _notify(per_person: dict[int, list[EarlyWarning]]) -> None:
    from django.urls import reverse

    url = reverse("earlywarning:list")
    with override(settings.LANGUAGE_CODE):
        for user_id, warnings in sorted(per_person.items()):
            first = warnings[0]
            what = f"{first.get_kind_display()} · {first.category.name if first.category_id else ''} · {first.area.name}"
            if len(warnings) == 1:
                message = _("New early warning: %(what)s (%(count)s reports).") % {"what": what, "count": first.count}
                notify([user_id], "early_warning", message, url=first.get_absolute_url(), obj=first)
            else:
                message = _("%(n)s new early warnings, the first: %(what)s.") % {"n": len(warnings), "what": what}
                notify([user_id], "early_warning", message, url=url)
