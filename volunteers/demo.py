"""The engagement demo (manage.py load_demo_engagement; load_demo calls it after the registry):
two weeks of patrols (上下午双巡, some missed) with GPS tracks and home visits for a set of grids,
patrol summaries for every other grid, the party tree of the district with members, dual check-in
and service logs, volunteers with teams, activities, sign-ups, points and charity-store
redemptions, and co-building lists with matches and projects.

Everything is invented and written with bulk_create in one transaction (a few seconds). The
points ledger stays consistent: every account's balance is the sum of its entries. Runs once per
district: a district that has engagement rows is left alone unless reset=True.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import time
from dataclasses import dataclass, field

import shapely
from django.db import transaction
from django.utils import timezone

from areas.models import Area, Department
from core.workcalendar import get_calendar
from registry.models import Building, Household, Organization, Person

TRACKED_GRIDS = 24  # grids whose patrols carry full GPS tracks (the demo workers' first)
DAYS = 14
SEED = 2026


@dataclass
class Result:
    district: str = ""
    counts: dict = field(default_factory=dict)
    seconds: float = 0.0
    existing: bool = False


def _models():
    from cobuilding.models import ListEntry, Match, Project
    from party.models import OfficeOrganization, PartyMember, PartyOrganization, ServiceLog
    from patrols.models import HomeVisit, Patrol, PatrolCase, PatrolPoint
    from volunteers.models import (
        Activity,
        PointsAccount,
        PointsEntry,
        Redemption,
        SignUp,
        StoreItem,
        Team,
        Volunteer,
    )
    return dict(ListEntry=ListEntry, Match=Match, Project=Project, OfficeOrganization=OfficeOrganization,
                PartyMember=PartyMember, PartyOrganization=PartyOrganization, ServiceLog=ServiceLog,
                HomeVisit=HomeVisit, Patrol=Patrol, PatrolCase=PatrolCase, PatrolPoint=PatrolPoint,
                Activity=Activity, PointsAccount=PointsAccount, PointsEntry=PointsEntry, Redemption=Redemption,
                SignUp=SignUp, StoreItem=StoreItem, Team=Team, Volunteer=Volunteer)


def delete_demo_engagement(district_code: str) -> None:
    m = _models()
    with transaction.atomic():
        m["PatrolPoint"].objects.filter(patrol__district_code=district_code).delete()
        m["PatrolCase"].objects.filter(patrol__district_code=district_code).delete()
        m["HomeVisit"].objects.filter(district_code=district_code).delete()
        m["Patrol"].objects.filter(district_code=district_code).delete()
        m["Redemption"].objects.filter(district_code=district_code).delete()
        m["PointsEntry"].objects.filter(account__district_code=district_code).delete()
        m["SignUp"].objects.filter(activity__district_code=district_code).delete()
        m["Activity"].objects.filter(district_code=district_code).delete()
        m["Team"].objects.filter(district_code=district_code).delete()
        m["StoreItem"].objects.filter(district_code=district_code).delete()
        m["PointsAccount"].objects.filter(district_code=district_code).delete()
        m["Volunteer"].objects.filter(district_code=district_code).delete()
        m["ServiceLog"].objects.filter(district_code=district_code).delete()
        m["OfficeOrganization"].objects.filter(district_code=district_code).delete()
        m["PartyMember"].objects.filter(district_code=district_code).delete()
        orgs = m["PartyOrganization"].objects.filter(district_code=district_code)
        for kind in ("member_household", "building_group", "branch", "community_committee", "street_committee"):
            orgs.filter(kind=kind).delete()
        m["Project"].objects.filter(district_code=district_code).delete()
        m["Match"].objects.filter(district_code=district_code).delete()
        m["ListEntry"].objects.filter(district_code=district_code).delete()


def _place(obj, area):
    obj.area, obj.area_path, obj.district_code = area, area.path, area.district_code
    return obj


# --- patrols ---------------------------------------------------------------------------------


def _walk(rng, polygon, start: dt.datetime, minutes: int):
    """A plausible track: a walk along streets (mostly straight legs, turns of 90°) inside the grid."""
    from shapely.geometry import Point

    minx, miny, maxx, maxy = polygon.bounds
    c = polygon.representative_point()
    lon, lat = c.x, c.y
    kx = 111_320 * math.cos(math.radians(lat))
    heading = rng.choice([0, 90, 180, 270])
    points, at = [], start
    for _ in range(minutes):
        if rng.random() < 0.2:
            heading = (heading + rng.choice([90, -90])) % 360
        step = rng.uniform(45, 75)  # metres per minute on foot
        nlon = lon + step * math.sin(math.radians(heading)) / kx
        nlat = lat + step * math.cos(math.radians(heading)) / 110_540
        if not polygon.contains(Point(nlon, nlat)):
            heading = (heading + 180) % 360
            continue
        lon, lat = nlon, nlat
        at = at + dt.timedelta(seconds=rng.randint(50, 70))
        points.append((lon, lat, at))
    return points


def demo_patrols(district, grids, rng, now, m, counts):
    from patrols.geo import LocalFrame, track_length

    calendar = get_calendar()
    tz = timezone.get_current_timezone()
    days = [now.date() - dt.timedelta(days=i) for i in range(DAYS, 0, -1)]
    days = [d for d in days if calendar.is_workday(d)]
    with_worker = [g for g in grids if g.worker_id]
    # full tracks for the grids of the demo's login personas (grid roles), then the first grids
    from accounts.models import RoleAssignment

    persona_grids = set(RoleAssignment.objects.filter(role__in=("grid_worker", "grid_chief"), area__district_code=
                                                      district.code).values_list("area_id", flat=True))
    communities_of_personas = {g.community.pk for g in with_worker if g.area.pk in persona_grids}
    tracked = {g.area.pk for g in with_worker if g.community.pk in communities_of_personas}
    tracked |= {g.area.pk for g in with_worker[:max(0, TRACKED_GRIDS - len(tracked))]}
    patrols, tracks = [], []
    for g in with_worker:
        diligence = rng.uniform(0.7, 0.98)
        for day in days:
            for hour in (8, 14):
                if rng.random() > diligence:
                    continue  # a missed half-day
                start = dt.datetime.combine(day, dt.time(hour, rng.randint(0, 59)), tzinfo=tz)
                minutes = rng.randint(40, 90)
                p = m["Patrol"](worker_id=g.worker_id, grid=g.area, area_path=g.area.path,
                                district_code=district.code, state="ended", started_at=start)
                if g.area.pk in tracked:
                    track = _walk(rng, g.polygon, start, minutes)
                    p.distance_m = round(track_length([(x, y) for x, y, _ in track]), 1)
                    p.point_count = len(track)
                    tracks.append(track)
                else:
                    p.distance_m = round(rng.uniform(1800, 4500), 1)
                    p.coverage = round(rng.uniform(0.2, 0.65), 4)
                    tracks.append(None)
                p.ended_at = start + dt.timedelta(minutes=minutes)
                patrols.append(p)
    frames = {}
    for p, track in zip(patrols, tracks, strict=True):
        if track:
            frame = frames.get(p.grid.pk) or frames.setdefault(p.grid.pk, LocalFrame(p.grid.boundary))
            p.coverage = frame.coverage([(x, y) for x, y, _ in track])
    m["Patrol"].objects.bulk_create(patrols, batch_size=2000)
    points = [m["PatrolPoint"](patrol=p, lon=x, lat=y, accuracy=round(rng.uniform(4, 25), 1), recorded_at=at)
              for p, track in zip(patrols, tracks, strict=True) if track for x, y, at in track]
    m["PatrolPoint"].objects.bulk_create(points, batch_size=5000)
    # home visits on about a third of the tracked patrols
    households: dict[int, list[int]] = {}
    for hid, grid_id in Household.objects.filter(grid_id__in=tracked).values_list("id", "grid_id"):
        households.setdefault(grid_id, []).append(hid)
    notes = {"none": "", "needs_help": "老人独居，行动不便，需要助餐服务", "dispute": "邻里因楼道堆物有矛盾，已初步劝解",
             "safety": "厨房燃气软管老化，已提醒更换", "change": "新添一名家庭成员，需更新户籍信息"}
    visits = []
    for p, track in zip(patrols, tracks, strict=True):
        hh = households.get(p.grid.pk)
        if not track or not hh or rng.random() > 0.35:
            continue
        finding = rng.choices(list(notes), weights=[70, 12, 6, 6, 6])[0]
        v = m["HomeVisit"](household_id=rng.choice(hh), worker_id=p.worker_id, patrol=p, grid=p.grid,
                           area_path=p.area_path, district_code=p.district_code, finding=finding,
                           visited_at=p.started_at + dt.timedelta(minutes=rng.randint(5, 35)))
        v.set_note(notes[finding])
        visits.append(v)
    m["HomeVisit"].objects.bulk_create(visits, batch_size=2000)
    counts.update(patrols=len(patrols), patrol_points=len(points), home_visits=len(visits))


# --- people pickers --------------------------------------------------------------------------


def _adults_by_grid(district, per_grid: int, rng, exclude: set[int]) -> dict[int, list[int]]:
    """Up to per_grid adult residents of each grid (ids), deterministic for the seed."""
    cutoff = timezone.localdate().replace(year=timezone.localdate().year - 18)
    out: dict[int, list[int]] = {}
    for pid, grid_id in (Person.objects.filter(district_code=district.code, birth_date__lte=cutoff,
                                               moved_out_on__isnull=True)
                         .order_by("grid_id", "id").values_list("id", "grid_id")):
        if pid in exclude:
            continue
        bucket = out.setdefault(grid_id, [])
        if len(bucket) < per_grid * 6:
            bucket.append(pid)
    return {gid: rng.sample(ids, min(per_grid, len(ids))) for gid, ids in out.items()}


def _post(m, entries, balances, account, amount, reason, key, note, at):
    balances[account] = balances.get(account, 0) + amount
    entries.append(m["PointsEntry"](account_id=account, amount=amount, balance_after=balances[account], reason=reason,
                                    note=note[:200], idempotency_key=key, created_at=at))


# --- party -----------------------------------------------------------------------------------


def demo_party(district, grids, rng, now, m, counts, ledger):
    orgs = m["PartyOrganization"]
    streets = list(Area.objects.filter(district_code=district.code, level="street").defer("boundary"))
    communities = list(Area.objects.filter(district_code=district.code, level="community").defer("boundary"))
    top = {s.pk: _place(orgs(name=f"{s.name}党工委", kind="street_committee", secretary=""), s) for s in streets}
    orgs.objects.bulk_create(top.values())
    by_street = {s.path: top[s.pk] for s in streets}
    mid = {}
    for c in communities:
        parent = next(o for path, o in by_street.items() if c.path.startswith(path))
        mid[c.pk] = _place(orgs(name=f"{c.name}党委", kind="community_committee", parent=parent), c)
    orgs.objects.bulk_create(mid.values())
    branches = {}
    for g in grids:
        parent = mid.get(g.community.pk)
        if parent is None:
            continue
        branches[g.area.pk] = _place(orgs(name=f"{g.area.name}党支部", kind="branch", parent=parent), g.area)
    orgs.objects.bulk_create(branches.values())
    groups, households = [], []
    buildings = {}
    for b in Building.objects.filter(district_code=district.code).order_by("id").only("id", "grid_id", "name",
                                                                                         "estate_id"):
        if len(buildings.setdefault(b.grid_id, [])) < 2:
            buildings[b.grid_id].append(b)
    for grid_id, bs in buildings.items():
        branch = branches.get(grid_id)
        if branch is None:
            continue
        for b in bs:
            groups.append(_place(orgs(name=f"{b.name}党小组", kind="building_group", parent=branch, building=b),
                                 branch.area))
    orgs.objects.bulk_create(groups)
    for group in groups[::2]:
        households.append(_place(orgs(name=f"{group.building.name}党员中心户", kind="member_household",
                                      parent=group, building=group.building), group.area))
    orgs.objects.bulk_create(households)

    picks = _adults_by_grid(district, 6, rng, set())
    members = []
    grid_area = {g.area.pk: g for g in grids}
    for grid_id, ids in picks.items():
        branch = branches.get(grid_id)
        g = grid_area.get(grid_id)
        if branch is None or g is None:
            continue
        for pid in ids:
            kind = rng.choices(["retired", "in_service", "self_managed", "mobile"], weights=[40, 30, 20, 10])[0]
            member = _place(m["PartyMember"](person_id=pid, organization=branch, kind=kind,
                                             joined_on=dt.date(rng.randint(1975, 2022), rng.randint(1, 12), 1),
                                             workplace="区直机关" if kind == "in_service" else ""), g.area)
            if kind == "in_service" and rng.random() < 0.7:
                member.checked_in_community = g.community
                member.checked_in_at = now - dt.timedelta(days=rng.randint(20, 300))
            members.append(member)
    m["PartyMember"].objects.bulk_create(members, batch_size=2000)
    accounts = [_place(m["PointsAccount"](kind="party_member", party_member=x), x.area) for x in members]
    m["PointsAccount"].objects.bulk_create(accounts, batch_size=2000)
    account_of = {a.party_member_id: a.pk for a in accounts}

    departments = list(Department.objects.filter(district_code=district.code).order_by("id")[:12])
    offices = []
    for i, c in enumerate(communities):
        for d in (departments[i % len(departments)], departments[(i + 5) % len(departments)]) if departments else ():
            offices.append(_place(m["OfficeOrganization"](name=f"{d.name}机关党支部", department=d,
                                                          contact="联络员", registered_at=now - dt.timedelta(
                                                              days=rng.randint(30, 400))), c))
    seen = set()
    offices = [o for o in offices if (o.name, o.area.pk) not in seen and not seen.add((o.name, o.area.pk))]
    m["OfficeOrganization"].objects.bulk_create(offices)
    logs = []
    services = ["清理小区楼道杂物", "为独居老人代购生活用品", "参与防汛值守", "开展政策宣讲", "协助核酸点位秩序维护",
                "义务理发", "普法宣传进小区", "垃圾分类督导"]
    for member in members:
        if member.checked_in_community_id is None:
            continue
        for _ in range(rng.randint(1, 3)):
            served = now.date() - dt.timedelta(days=rng.randint(1, 60))
            state = "confirmed" if rng.random() < 0.8 else "logged"
            hours = rng.choice([1, 1.5, 2, 2.5, 3, 4])
            log = _place(m["ServiceLog"](member=member, served_on=served, hours=hours, description=rng.choice(services),
                                         state=state, confirmed_at=now if state == "confirmed" else None),
                         member.checked_in_community)
            logs.append(log)
    for office in offices:
        for _ in range(rng.randint(1, 3)):
            logs.append(_place(m["ServiceLog"](office=office, served_on=now.date() - dt.timedelta(days=rng.randint(1, 90)),
                                               hours=rng.choice([2, 3, 4]), description=rng.choice(services),
                                               state="confirmed", confirmed_at=now), office.area))
    m["ServiceLog"].objects.bulk_create(logs, batch_size=2000)
    for log in logs:
        if log.member_id and log.state == "confirmed":
            _post(m, ledger["entries"], ledger["balances"], account_of[log.member_id], int(float(log.hours) * 8),
                  "party_service_hour", f"service:{log.pk}", log.description,
                  dt.datetime.combine(log.served_on, dt.time(18), tzinfo=timezone.get_current_timezone()))
    counts.update(party_organizations=len(top) + len(mid) + len(branches) + len(groups) + len(households),
                  party_members=len(members), office_organizations=len(offices), service_logs=len(logs))
    return {x.person_id for x in members}, communities


# --- volunteers and the charity store --------------------------------------------------------


def demo_volunteers(district, grids, rng, now, m, counts, ledger, taken, communities):
    from volunteers.choices import CONSENT_VERSION

    picks = _adults_by_grid(district, 5, rng, taken)
    grid_area = {g.area.pk: g for g in grids}
    volunteers = []
    skills = ["理发", "维修家电", "心理疏导", "法律咨询", "医疗护理", "文艺表演", "书法", "", "", ""]
    for grid_id, ids in picks.items():
        g = grid_area.get(grid_id)
        if g is None:
            continue
        for pid in ids:
            volunteers.append(_place(m["Volunteer"](person_id=pid, consent_at=now - dt.timedelta(days=rng.randint(10, 500)),
                                                    consent_version=CONSENT_VERSION, skills=rng.choice(skills)), g.area))
    m["Volunteer"].objects.bulk_create(volunteers, batch_size=2000)
    accounts = [_place(m["PointsAccount"](kind="volunteer", volunteer=v), v.area) for v in volunteers]
    m["PointsAccount"].objects.bulk_create(accounts, batch_size=2000)
    account_of = {a.volunteer_id: a.pk for a in accounts}
    by_community: dict[int, list] = {}
    for v in volunteers:
        community = grid_area[v.area.pk].community
        by_community.setdefault(community.pk, []).append(v)

    teams, activities = [], []
    titles = [("敬老院义剪", "社区养老服务站"), ("河道清洁", "小区北侧河道"), ("垃圾分类宣传", "小区广场"),
              ("文明交通劝导", "路口岗亭"), ("关爱留守儿童", "社区儿童之家"), ("义诊进社区", "社区卫生服务站")]
    for c in communities:
        for name in ("红马甲志愿服务队", "银发志愿服务队"):
            teams.append(_place(m["Team"](name=f"{c.name}{name}"), c))
        for i in range(5):
            title, place = titles[(c.pk + i) % len(titles)]
            start = (now - dt.timedelta(days=rng.randint(1, 40))) if i < 3 else now + dt.timedelta(days=rng.randint(1, 14))
            start = start.replace(hour=9, minute=0, second=0, microsecond=0)
            activities.append(_place(m["Activity"](title=title, place=place, starts_at=start,
                                                   ends_at=start + dt.timedelta(hours=rng.choice([2, 3])),
                                                   capacity=rng.choice([10, 15, 20])), c))
    m["Team"].objects.bulk_create(teams)
    through = m["Team"].members.through
    links = []
    for t in teams:
        pool = by_community.get(t.area.pk, [])
        for v in rng.sample(pool, min(len(pool), 6)):
            links.append(through(team_id=t.pk, volunteer_id=v.pk))
    through.objects.bulk_create(links, batch_size=5000)
    m["Activity"].objects.bulk_create(activities)
    signups = []
    for a in activities:
        pool = by_community.get(a.area.pk, [])
        for v in rng.sample(pool, min(len(pool), a.capacity - rng.randint(0, 4))):
            s = m["SignUp"](activity=a, volunteer=v, signed_up_at=a.starts_at - dt.timedelta(days=2))
            if a.starts_at < now and rng.random() < 0.9:
                s.state, s.checked_in_at, s.checked_out_at = "done", a.starts_at, a.ends_at
                s.hours = round((a.ends_at - a.starts_at).total_seconds() / 3600, 2)
            signups.append(s)
    m["SignUp"].objects.bulk_create(signups, batch_size=5000)
    for s in signups:
        if s.state == "done":
            _post(m, ledger["entries"], ledger["balances"], account_of[s.volunteer.pk], int(s.hours * 10) + 5,
                  "volunteer_hour", f"signup:{s.pk}", s.activity.title, s.checked_out_at)
    items = []
    goods = [("洗衣液", 30), ("大米5kg", 60), ("食用油", 50), ("毛巾", 15), ("雨伞", 40), ("抽纸", 10)]
    for c in communities:
        for name, price in rng.sample(goods, 4):
            items.append(_place(m["StoreItem"](name=name, price=price, stock=rng.randint(3, 30)), c))
    m["StoreItem"].objects.bulk_create(items)
    items_by_community: dict[int, list] = {}
    for it in items:
        items_by_community.setdefault(it.area.pk, []).append(it)
    redemptions = []
    for v in volunteers:
        acc = account_of[v.pk]
        pool = items_by_community.get(grid_area[v.area.pk].community.pk, [])
        affordable = [it for it in pool if it.stock > 0 and it.price <= ledger["balances"].get(acc, 0)]
        if affordable and rng.random() < 0.5:
            it = rng.choice(affordable)
            it.stock -= 1
            at = now - dt.timedelta(hours=rng.randint(1, 200))
            key = f"demo:{v.pk}"
            _post(m, ledger["entries"], ledger["balances"], acc, -it.price, "redemption", f"redeem:{key}", it.name, at)
            redemptions.append((it, acc, key, at, len(ledger["entries"]) - 1))
    m["StoreItem"].objects.bulk_update(items, ["stock"])
    counts.update(volunteers=len(volunteers), teams=len(teams), activities=len(activities), signups=len(signups),
                  store_items=len(items))
    return redemptions


def _write_ledger(m, ledger, redemptions, counts):
    m["PointsEntry"].objects.bulk_create(ledger["entries"], batch_size=5000)
    rows = []
    for item, account, key, at, index in redemptions:
        entry = ledger["entries"][index]
        rows.append(_place(m["Redemption"](item=item, account_id=account, points=item.price, entry=entry,
                                           idempotency_key=key, created_at=at), item.area))
    m["Redemption"].objects.bulk_create(rows, batch_size=2000)
    accounts = m["PointsAccount"].objects.in_bulk(list(ledger["balances"]))
    for pk, balance in ledger["balances"].items():
        accounts[pk].balance = balance
    m["PointsAccount"].objects.bulk_update(accounts.values(), ["balance"], batch_size=2000)
    counts.update(points_entries=len(ledger["entries"]), redemptions=len(rows))


# --- co-building -----------------------------------------------------------------------------


def demo_cobuilding(district, rng, now, m, counts, communities):
    orgs: dict[str, list] = {}
    for org in Organization.objects.filter(district_code=district.code, kind__in=("resident_org", "social_org")) \
            .order_by("id").only("id", "area_path", "name"):
        orgs.setdefault(org.area_path, []).append(org)
    needs_text = [("老年人助餐", "elderly"), ("四点半课堂托管", "children"), ("小区停车位紧张", "safety"),
                  ("健身器材更新", "culture"), ("就业技能培训", "employment"), ("楼道照明维修", "safety")]
    resources_text = [("单位食堂可提供午餐", "elderly"), ("学校可提供志愿教师", "children"),
                      ("单位停车场夜间开放", "safety"), ("企业捐赠健身器材", "culture"),
                      ("职业培训学校公益课程", "employment"), ("物业维修队", "safety")]
    entries, matches, projects = [], [], []
    for c in communities:
        local = [o for path, os_ in orgs.items() if path.startswith(c.path) for o in os_][:5]
        picked = rng.sample(range(len(needs_text)), 3)
        needs = [_place(m["ListEntry"](kind="need", title=needs_text[i][0], category=needs_text[i][1]), c)
                 for i in picked]
        resources = [_place(m["ListEntry"](kind="resource", title=resources_text[i][0], category=resources_text[i][1],
                                           organization=rng.choice(local) if local else None), c) for i in picked]
        entries += needs + resources
        for n, r in zip(needs[:2], resources[:2], strict=True):
            state = rng.choice(["proposed", "agreed", "done"])
            n.state = "closed" if state == "done" else "matched"
            matches.append((n, r, state))
        projects.append(_place(m["Project"](title=f"{c.name}共建{needs[0].title}项目", owner=f"{c.name}党委",
                                            starts_on=now.date() - dt.timedelta(days=rng.randint(20, 200)),
                                            state=rng.choice(["running", "finished", "planned"]),
                                            organization=rng.choice(local) if local else None), c))
    m["ListEntry"].objects.bulk_create(entries, batch_size=2000)
    rows = [_place(m["Match"](need=n, resource=r, state=s, note="双方已对接" if s != "proposed" else ""), n.area)
            for n, r, s in matches]
    m["Match"].objects.bulk_create(rows, batch_size=2000)
    for p in projects:
        if p.state == "finished":
            p.ends_on = p.starts_on + dt.timedelta(days=60)
            p.outcome = "服务居民300余人次，居民满意度明显提升"
    m["Project"].objects.bulk_create(projects)
    counts.update(list_entries=len(entries), matches=len(rows), projects=len(projects))


def load_demo_engagement(district_code: str | None = None, *, reset: bool = False, seed: int = SEED) -> Result:
    from registry.demo import district_grids, resolve_district
    from volunteers.models import PointRule

    started = time.monotonic()
    district = resolve_district(district_code)
    m = _models()
    result = Result(district=f"{district.name} ({district.code})")
    if m["PartyOrganization"].objects.filter(district_code=district.code).exists() or \
            m["Patrol"].objects.filter(district_code=district.code).exists():
        if not reset:
            result.existing = True
            return result
        delete_demo_engagement(district.code)
    rng = random.Random(seed)
    now = timezone.now()
    grids = district_grids(district)
    for g in grids:
        shapely.prepare(g.polygon)
    counts: dict = {}
    ledger = {"entries": [], "balances": {}}
    with transaction.atomic():
        for action, points_ in (("volunteer_hour", 10), ("activity_check_in", 5), ("party_service_hour", 8),
                                ("party_meeting", 5)):
            PointRule.objects.get_or_create(action=action, defaults={"points": points_})
        demo_patrols(district, grids, rng, now, m, counts)
        taken, communities = demo_party(district, grids, rng, now, m, counts, ledger)
        redemptions = demo_volunteers(district, grids, rng, now, m, counts, ledger, taken, communities)
        _write_ledger(m, ledger, redemptions, counts)
        demo_cobuilding(district, rng, now, m, counts, communities)
    result.counts = counts
    result.seconds = time.monotonic() - started
    return result
