"""Demo disputes: ~150 in varied states across the demo district's grids, through the actions
(so timelines and audit rows are real), dated over the last six months."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from areas.models import Area, Department
from disputes import actions
from disputes.models import Dispute

STORIES = {
    "neighbour": [("楼上漏水纠纷", "楼上住户装修导致楼下天花板漏水，双方就赔偿金额争执不下"),
                  ("噪音扰民纠纷", "邻居深夜练琴、装修，多次沟通无果引发争吵"),
                  ("占用公共过道", "住户在楼道堆放杂物，邻居认为影响通行和消防安全")],
    "family": [("赡养老人纠纷", "兄妹三人就母亲赡养费分担和轮流照顾发生矛盾"),
               ("婚姻家庭矛盾", "夫妻因家庭琐事长期争吵，女方请求社区调解"),
               ("房产继承纠纷", "父亲去世后兄弟就老宅继承份额发生争执")],
    "property": [("物业费纠纷", "部分业主不满物业服务质量拒交物业费，物业公司拟起诉"),
                 ("停车收费纠纷", "物业上调地面停车费，业主认为未经业主大会同意")],
    "labour": [("拖欠工资纠纷", "装修队12名工人被拖欠工资约8万元，到社区求助"),
               ("工伤赔偿纠纷", "餐馆员工工作中烫伤，就医药费和误工费与老板争执")],
    "land": [("宅基地边界纠纷", "两户村民因宅基地界址不清发生争执，一度推搡"),
             ("土地流转费纠纷", "村民认为合作社未按约支付土地流转费")],
    "other": [("消费纠纷", "居民在小区门口超市购买过期食品，要求赔偿")],
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["建国", "秀英", "桂兰", "志强", "海燕", "国庆", "丽娟", "春生", "玉梅", "长青", "红霞", "德明"]
MEDIATORS = {"people": ["社区人民调解委员会", "调委会主任及网格员", "街道人民调解委员会"],
             "administrative": ["街道司法所", "派出所民警", "街道综治中心"],
             "judicial": ["法院驻街道法官工作室", "律师（法律顾问）"]}


def _name(rng):
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _phone(rng):
    return "1" + rng.choice("3589") + "".join(rng.choice("0123456789") for _ in range(9))


def load_demo_disputes(district: Area, count: int = 150, seed: int = 7) -> int:
    if Dispute.objects.filter(district_code=district.district_code).exists():
        return 0
    from registry.models import Person

    rng = random.Random(seed)
    grids = list(Area.objects.filter(path__startswith=district.path, level="grid").order_by("path"))
    if not grids:
        return 0
    departments = list(Department.objects.filter(district_code=district.district_code))
    judicial = [d for d in departments if d.kind in ("petitions", "police")] or departments
    sample = rng.sample(grids, min(len(grids), 60))
    residents = {}
    for person in Person.objects.filter(grid__in=sample, moved_out_on__isnull=True).only("id", "grid_id")[:2000]:
        residents.setdefault(person.grid_id, []).append(person)
    now = timezone.now()
    kinds = list(STORIES)
    weights = [40, 20, 15, 10, 10, 5]
    for i in range(count):
        grid = rng.choice(sample)
        kind = rng.choices(kinds, weights)[0]
        title, description = rng.choice(STORIES[kind])
        fresh = i % 15 == 0  # every 15th was registered in the last two days and waits for mediation
        registered = now - (dt.timedelta(days=rng.uniform(0.1, 2)) if fresh else
                            dt.timedelta(days=rng.uniform(1, 180), hours=rng.uniform(0, 8)))
        parties = []
        people = residents.get(grid.pk, [])
        if people and rng.random() < 0.6:
            parties.append({"person": rng.choice(people), "role": "applicant"})
        else:
            parties.append({"name": _name(rng), "phone": _phone(rng), "role": "applicant"})
        parties.append({"name": _name(rng), "phone": _phone(rng) if rng.random() < 0.7 else "", "role": "respondent"})
        risk = rng.choices(["low", "medium", "high"], [60, 30, 10])[0]
        dispute = actions.register_dispute(
            None, grid=grid, title=title, description=description, kind=kind,
            source=rng.choice(["patrol", "visit", "walk_in", "visit"]), risk=risk,
            place=f"{grid.name}{rng.randint(1, 30)}号楼附近", parties=parties, registered_at=registered)
        age_days = (now - registered).days
        if fresh or age_days < 3 and rng.random() < 0.7:
            continue  # freshly registered
        moment = registered + dt.timedelta(hours=rng.uniform(2, 30))
        kind_now = "people" if rng.random() < 0.85 else "administrative"
        actions.start_mediation(None, dispute, kind=kind_now, mediators=rng.choice(MEDIATORS[kind_now]), at=moment)
        for _ in range(rng.choice([0, 1, 1, 2])):
            moment += dt.timedelta(days=rng.uniform(0.5, 4))
            if moment >= now:
                break
            actions.record_session(None, dispute, summary=rng.choice(
                ["组织双方面对面调解，初步达成意向", "分别做双方工作，对方同意再谈", "现场查看，听取双方意见"]),
                held_at=moment)
        if rng.random() < 0.12 and moment < now:
            target = "judicial" if kind_now != "judicial" else "administrative"
            moment += dt.timedelta(days=rng.uniform(1, 3))
            department = rng.choice(judicial) if judicial and target == "administrative" else None
            actions.hand_over(None, dispute, kind=target, mediators=rng.choice(MEDIATORS[target]),
                              reason="人民调解未果，需专业力量介入", department=department, at=min(moment, now))
        if age_days < 10 and rng.random() < 0.5:
            continue  # still mediating
        end = min(moment + dt.timedelta(days=rng.uniform(1, 10)), now - dt.timedelta(hours=1))
        outcome = rng.choices(["settled", "not_settled", "referred"], [90, 5, 5])[0]
        if outcome == "settled":
            actions.conclude(None, dispute, outcome=outcome, at=end,
                             agreement_text=rng.choice(["双方自愿达成协议，一次性赔偿并签字确认",
                                                        "责任方限期整改，另一方不再追究",
                                                        "按月支付赡养费，兄妹轮流照顾"]))
            if rng.random() < 0.7 and end + dt.timedelta(days=7) < now:
                actions.check_fulfilment(None, dispute, fulfilled=rng.random() < 0.93, note="部分款项未到位",
                                         at=end + dt.timedelta(days=7))
        else:
            actions.conclude(None, dispute, outcome=outcome, at=end,
                             note="双方分歧较大，引导通过诉讼解决" if outcome == "referred" else "一方拒绝调解")
        if (risk == "high" or rng.random() < 0.5) and end + dt.timedelta(days=14) < now:
            actions.follow_up(None, dispute, satisfaction=rng.choices(["satisfied", "basically", "dissatisfied"],
                                                                      [75, 20, 5])[0],
                              note="回访双方，关系已缓和", at=end + dt.timedelta(days=14))
    return count
