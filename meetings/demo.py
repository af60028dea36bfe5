"""Demo joint meetings: ~20 convened by streets and communities, with decisions (some overdue)."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from areas.models import Area, Department
from meetings import actions
from meetings.models import Meeting

TOPICS = [
    ("背街小巷占道经营整治联席会议", "1. 通报占道经营情况\n2. 明确城管、市场监管分工\n3. 建立长效机制",
     "会议明确由城管中队牵头，每周联合巡查两次"),
    ("老旧小区加装电梯协调会", "1. 听取居民意见\n2. 住建部门解读政策\n3. 确定推进计划",
     "同意先行在3号楼试点，住建部门负责审批指导"),
    ("重大矛盾纠纷化解联席会议", "1. 通报拖欠农民工工资纠纷\n2. 研究化解方案",
     "由人社、司法所联合约谈施工方，限期支付"),
    ("汛期安全隐患排查部署会", "1. 排查积水点\n2. 落实应急值守", "市政部门负责疏通管网，应急部门做好物资储备"),
    ("文明城市创建推进会", "1. 环境卫生问题清单\n2. 责任分工", "环卫部门增加清扫频次，社区组织志愿者"),
]
DECISIONS = ["清理背街小巷占道摊点", "疏通小区雨水管网", "约谈施工单位支付欠薪", "更换破损路灯", "规范非机动车停放",
             "整治楼道堆物", "对积水点设置警示标志"]


def load_demo_meetings(district: Area, count: int = 20, seed: int = 11) -> int:
    if Meeting.objects.filter(district_code=district.district_code).exists():
        return 0
    rng = random.Random(seed)
    conveners = list(Area.objects.filter(path__startswith=district.path, level__in=["street", "community"])
                     .order_by("path"))
    departments = list(Department.objects.filter(district_code=district.district_code).select_related("area"))
    if not conveners or not departments:
        return 0
    streets = [a for a in conveners if a.level == "street"]
    communities = rng.sample([a for a in conveners if a.level == "community"],
                             min(8, len([a for a in conveners if a.level == "community"])))
    now = timezone.now()
    made = 0
    for i in range(count):
        area = rng.choice(streets if i % 2 == 0 or not communities else communities)
        serving = [d for d in departments if area.path.startswith(d.area.path) or d.area.path.startswith(area.path)]
        if not serving:
            continue
        title, agenda, minutes = rng.choice(TOPICS)
        held = now - dt.timedelta(days=rng.uniform(0, 90))
        invited = rng.sample(serving, min(len(serving), rng.randint(2, 5)))
        meeting = actions.convene_meeting(None, area=area, title=title, agenda=agenda, held_at=held,
                                          place=f"{area.name}会议室", departments=invited)
        actions.record_minutes(None, meeting, minutes=minutes)
        for _ in range(rng.randint(1, 4)):
            decision = actions.add_decision(None, meeting, text=rng.choice(DECISIONS),
                                            owner_department=rng.choice(invited), working_days=rng.choice([3, 5, 10, 15]),
                                            now=held)
            if decision.due_at < now and rng.random() < 0.75 or decision.due_at >= now and rng.random() < 0.3:
                # done some time after the meeting: mostly by the deadline, one in seven late, never ahead of now
                span = (decision.due_at - held).total_seconds()
                done = held + dt.timedelta(seconds=span * (rng.uniform(0.2, 0.95) if rng.random() < 6 / 7
                                                           else rng.uniform(1.05, 1.6)))
                actions.complete_decision(None, decision, note="已按会议要求完成，现场复核通过", now=min(done, now))
        made += 1
    return made
