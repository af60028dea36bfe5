"""Demo cases for a loaded demo district (manage.py load_demo_cases; load_demo calls it last).

A few thousand cases over the last six months, in every state and from every channel, each with
a timeline that the workflow could have produced: reported by the grid's worker or taken in by an
operator, accepted, escalated, resolved in the grid or the community (琐事不出网格，小事不出社区),
or filed and dispatched by the street or the district to the departments the category's standard
names, taken, reported back, verified on site, rated by the reporter. Some are returned, reworked,
extended, suspended, voided, declined or merged into an earlier report; some open ones are due soon
or overdue.

Nothing goes through the action functions (thousands of cases would take minutes): each case's
story is played in memory by the same rules (cases/workflow.py, cases/actions.py), deadlines from
the working calendar (core.workcalendar), and the rows are written with bulk_create in one
transaction. Demo cases carry external_id "DEMO-<n>"; loading again skips a district that has
them (reset=True deletes and regenerates them). Deterministic for a given seed and `now`, except
the tracking codes and the encrypted phone numbers, which are random by design.

Open cases leave warned_at/overdue_at empty: the first deadline sweep after loading fires their
warnings and overdue notices as it would have.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from cases.choices import LEVEL_RANK, OPEN_STATES, OPEN_TASK_STATES, Channel, TaskState
from cases.choices import CaseState as S

DEFAULT_COUNT = 3000
DEFAULT_SEED = 20260301
DAYS = 182  # about six months
MARKER = "DEMO-"
WARN_FRACTION = 0.8  # as cases.actions

# The final state of the demo's cases: shares of the total (closed takes the rest).
STATE_SHARES = {
    S.DECLINED: 0.03,
    S.VOIDED: 0.015,
    S.MERGED: 0.02,
    S.REPORTED: 0.02,
    S.ACCEPTED: 0.015,
    S.FILED: 0.015,
    S.DISPATCHED: 0.025,
    S.HANDLING: 0.045,
    S.VERIFYING: 0.02,
    S.SUSPENDED: 0.01,
}
CHANNEL_SHARES = {
    Channel.GRID_WORKER: 0.52,
    Channel.RESIDENT_QR: 0.14,
    Channel.HOTLINE: 0.10,
    Channel.ONLINE: 0.07,
    Channel.WALK_IN: 0.15,
    Channel.OPEN311: 0.02,
}
# Which major categories each channel brings in (relative weights).
CHANNEL_MAJORS = {
    Channel.GRID_WORKER: {"E01": 30, "E02": 12, "E03": 4, "E04": 1, "E05": 28, "C01": 6, "C02": 2, "C03": 6,
                          "C04": 3, "C05": 1, "S01": 3, "S02": 4, "S03": 1},
    Channel.RESIDENT_QR: {"E01": 14, "E02": 3, "E03": 7, "E04": 2, "E05": 10, "C01": 8, "C02": 3, "C03": 4,
                          "C04": 3, "S01": 8, "S02": 5, "S03": 4, "S04": 5, "S05": 14},
    Channel.HOTLINE: {"H01": 10, "H02": 8, "H03": 10, "H04": 4, "H05": 3, "S05": 12, "S01": 6, "E03": 8, "C01": 5,
                      "E01": 5, "S03": 5, "S04": 5, "E05": 4, "S02": 3, "C02": 3, "E04": 2},
    Channel.ONLINE: {"H01": 6, "H03": 6, "H05": 4, "S05": 10, "E03": 8, "C01": 6, "C02": 6, "E01": 6, "E05": 5,
                     "S04": 4, "E02": 3, "C04": 3},
    Channel.WALK_IN: {"S01": 22, "S03": 24, "S05": 12, "H01": 8, "H02": 8, "S02": 5, "E01": 4, "C05": 3,
                      "E05": 3},
    Channel.OPEN311: {"E01": 10, "C01": 10, "C02": 8, "E05": 6, "C04": 4, "C03": 4},
}
# Given the level that may close a category, the level the case is finally resolved at.
RESOLUTION = {
    "grid": {"grid": 0.90, "community": 0.06, "street": 0.03, "district": 0.01},
    "community": {"community": 0.88, "street": 0.10, "district": 0.02},
    "street": {"street": 0.85, "district": 0.15},
    "district": {"district": 1.0},
}
LEVELS = ["grid", "community", "street", "district"]
RATINGS = {5: 0.60, 4: 0.24, 3: 0.09, 2: 0.04, 1: 0.03}
OWNER_ROLE = {"grid": "grid_chief", "community": "community_officer", "street": "street_officer",
              "district": "district_command"}

# --- words -------------------------------------------------------------------------------------

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢"
ROADS = ["淇滨大道", "兴鹤大街", "华山路", "嵩山路", "黄河路", "湘江路", "天山路", "太行路", "朝歌路", "淮河路",
         "人民路", "建设路", "文化路", "新华路", "和平路", "光明路", "幸福路", "工业路", "育才路", "振兴路"]
SHOPS = ["早餐店", "烧烤店", "水果店", "便利店", "五金店", "理发店", "饭馆", "超市", "汽修店", "快递驿站", "药店",
         "面馆", "建材店", "洗车店", "奶茶店"]
ESTATES = ["小区", "花园", "家园", "苑", "新村"]
SIDES = ["东侧", "西侧", "南侧", "北侧", "门口", "后面", "旁边"]
URBAN_PLACES = [
    "{estate}{n}号楼{side}", "{estate}{n}号楼{u}单元门口", "{estate}北门", "{estate}南门停车场", "{estate}小广场",
    "{road}与{road2}交叉口{corner}角", "{road}{num}号门前", "{road}{shop}门前", "{road}公交站旁",
    "{estate}西侧绿化带", "{road}菜市场入口", "{estate}地下车库入口", "{road}人行道上",
]
RURAL_PLACES = [
    "{village}村口", "{village}党群服务中心门前", "{village}{n}组{surname}家门口", "{village}东头路边",
    "{village}文化广场", "{village}小学附近", "{village}西头坑塘边", "{village}南生产路",
    "{village}通往{road}的村道旁", "{village}卫生室附近", "{village}{n}组养殖场旁",
]
CORNERS = ["东北", "东南", "西北", "西南"]

# Per minor category: what is wrong (a few wordings each).
WHAT = {
    "E0101": ["有一堆生活垃圾无人清运", "垃圾桶满溢，周围散落垃圾袋", "绿化带里被倾倒了生活垃圾", "路边堆着装修垃圾袋"],
    "E0102": ["堆放大量建筑渣土", "积存垃圾渣土多日未清", "有人偷倒渣土，越堆越高"],
    "E0103": ["路面油污、泥土较多", "道路不洁，落叶和纸屑满地", "路面有大片泥浆"],
    "E0104": ["水面漂浮大量垃圾", "沟渠里有塑料瓶和杂物，水发黑", "水塘有死鱼，气味难闻"],
    "E0105": ["绿地内垃圾杂物较多", "草坪被扔满塑料袋和饭盒", "绿地里堆放杂物"],
    "E0106": ["有人焚烧垃圾，浓烟很大", "有人焚烧树叶秸秆", "空地上焚烧废旧物品，气味刺鼻"],
    "E0201": ["墙面、电线杆上贴满小广告", "单元门上被喷涂办证小广告", "地面被喷刷小广告"],
    "E0202": ["新装的户外广告牌未经审批", "广告牌松动，有坠落风险", "楼顶广告牌破损"],
    "E0203": ["有商家占道摆放宣传展板", "有人在人行道发传单、摆拱门", "门店在路上摆放充气拱门"],
    "E0301": ["夜间施工噪音扰民", "工地晚上十点后还在施工", "凌晨有渣土车进出，噪音大"],
    "E0302": ["工地扬尘大，未覆盖", "施工现场未洒水，尘土飞扬", "拆迁现场扬尘严重"],
    "E0303": ["渣土车遗撒，路面全是泥", "运输车辆沿路遗撒砂石", "混凝土车遗撒，路面结块"],
    "E0304": ["施工占用半幅道路，未设围挡", "挖开路面后未恢复，影响通行", "施工围挡占用人行道"],
    "E0401": ["路面出现塌陷坑", "路面下沉开裂，有塌陷危险", "雨后路面塌了一个大坑"],
    "E0402": ["自来水管破裂，水流满地", "地下冒水，疑似管道破裂", "水管爆裂，路面积水结冰"],
    "E0403": ["闻到很浓的燃气味", "燃气管道疑似泄漏", "楼道内有煤气味"],
    "E0404": ["雨后严重积水，车辆无法通行", "下水不畅，路面积水很深", "地下通道积水"],
    "E0405": ["有火情，冒黑烟", "垃圾堆着火", "电动车着火"],
    "E0501": ["有流动摊贩聚集，影响通行", "游商占道卖水果", "早市摊贩散场后未离开"],
    "E0502": ["商户占用人行道经营", "摊点占道经营，行人只能走机动车道", "夜市摊位占道"],
    "E0503": ["店外摆放桌椅经营", "饭店在门外占道烧烤", "店家把货物摆到门外"],
    "E0504": ["乱堆放建材杂物", "楼道口堆放大量纸箱杂物", "路边堆放废旧家具"],
    "E0505": ["车辆乱停乱放，堵住消防通道", "机动车停在人行道上", "大货车长期占道停放"],
    "E0506": ["有人私搭乱建板房", "楼顶在加盖彩钢房", "在绿地里私自搭建棚子"],
    "C0101": ["井盖破损，有安全隐患", "井盖缺失，只剩个黑洞", "雨水篦子丢失"],
    "C0102": ["路灯不亮好几天了", "一排路灯晚上都不亮", "路灯杆倾斜，灯罩脱落"],
    "C0103": ["消防栓漏水", "消防栓被撞坏", "消防栓被杂物围住无法使用"],
    "C0104": ["电线杆倾斜，线路低垂", "配电箱箱门损坏，线路外露", "变压器附近有电线打火"],
    "C0105": ["通信线缆垂落到地面", "光缆交接箱门脱落", "通信线杂乱，挂在树上"],
    "C0201": ["交通标志牌倒了", "限速标志被遮挡", "路口指示牌损坏"],
    "C0202": ["道路护栏被撞坏", "隔离栏倒伏在路上", "护栏缺失一段"],
    "C0203": ["公交站亭玻璃碎了", "站牌损坏，看不清线路", "候车亭顶棚漏雨"],
    "C0204": ["路面坑洼不平", "人行道砖松动翘起", "路面破损，下雨全是水坑"],
    "C0205": ["红绿灯不亮", "信号灯一直闪黄灯", "行人信号灯故障"],
    "C0301": ["垃圾箱损坏，盖子掉了", "垃圾箱被烧坏", "分类垃圾箱破损漏水"],
    "C0302": ["公厕冲水坏了，味道很大", "公厕门锁坏了", "公厕停水无法使用"],
    "C0303": ["果皮箱被人拿走了", "路边果皮箱缺失", "果皮箱少了好几个"],
    "C0401": ["大风刮倒一棵树，挡住道路", "行道树倾斜，快倒了", "树枝折断挂在电线上"],
    "C0402": ["绿地被踩出小路", "有人在绿地里种菜", "绿地被车辆碾压"],
    "C0403": ["行道树缺了好几棵", "树坑空着没有补种", "死树一直没更换"],
    "C0501": ["老房子墙体开裂", "房屋外墙脱落，有坠物危险", "危房仍有人居住"],
    "C0502": ["有人违章加盖二层", "院子里违建房屋", "沿街违建门面"],
    "S0101": ["邻居装修漏水引发纠纷", "楼上楼下因噪音发生争吵", "邻居占用公共过道引发矛盾"],
    "S0102": ["家庭成员因赡养老人发生纠纷", "夫妻吵架，请求调解", "兄弟之间因房产分割闹矛盾"],
    "S0103": ["业主与物业因收费发生纠纷", "业主不满物业服务拒交物业费", "物业停车收费引发矛盾"],
    "S0104": ["工人反映被拖欠工资", "工地农民工讨薪", "饭店员工被拖欠两个月工资"],
    "S0105": ["两户因宅基地边界发生争执", "承包地边界不清引发纠纷", "村民因土地流转费发生矛盾"],
    "S0201": ["楼道堆放杂物，堵塞消防通道", "沿街商铺消防设施缺失", "仓库违规住人，存在火灾隐患"],
    "S0202": ["饭店液化气罐摆放不规范", "燃气管道被违规改装", "居民楼内私存液化气罐"],
    "S0203": ["房屋承重墙被拆改", "楼道墙皮大面积脱落", "阳台出现裂缝"],
    "S0204": ["电动车在楼道里充电", "有人从楼上飞线给电动车充电", "电动车停在单元门口充电"],
    "S0301": ["独居老人生活困难，请求帮扶", "残疾人家庭申请救助", "困难家庭孩子上学需要帮助"],
    "S0302": ["失业人员求职，希望推荐岗位", "退役军人咨询就业帮扶", "大学生求职咨询"],
    "S0303": ["高龄老人需要助餐服务", "失能老人申请居家养老服务", "老人咨询养老院入住"],
    "S0304": ["慢性病老人行动不便，需要帮助就医", "居民咨询家庭医生签约", "老人突发疾病，家中无人照顾"],
    "S0401": ["深夜有人聚集喝酒打闹", "出租屋人员复杂，存在治安隐患", "路口监控损坏"],
    "S0402": ["有陌生人挨家挨户推销", "发现可疑人员在车辆旁逗留", "有人冒充工作人员上门收费"],
    "S0403": ["广场舞音响声音太大", "商铺大音量播放音乐招揽顾客", "夜间KTV噪音扰民"],
    "S0501": ["物业不打扫楼道", "小区绿化无人维护", "物业不处理业主报修"],
    "S0502": ["电梯经常停运", "电梯困人", "电梯运行有异响"],
    "S0503": ["家里暖气不热", "供暖温度不达标", "暖气管道漏水"],
    "S0504": ["小区突然停水", "整栋楼停电", "水压太低，楼上没水"],
    "H0101": ["咨询医保缴费政策", "咨询孩子入学政策", "咨询公积金提取办法", "咨询养老保险补缴"],
    "H0201": ["钥匙锁在家里，请求帮助", "家中老人走失，请求帮助寻找", "下水道堵塞，请求疏通"],
    "H0301": ["投诉办事窗口态度差", "投诉营业厅办事效率低", "投诉出租车拒载"],
    "H0401": ["举报无证诊所", "举报黑加油点", "举报商家销售过期食品"],
    "H0501": ["建议增设公交线路", "建议在路口增设红绿灯", "建议小区增加充电桩"],
}
# Per major category: how a report reads. {place} {what} {extra}
TEMPLATES = {
    "E": ["{place}{what}。", "{place}{what}，{extra}。", "巡查发现{place}{what}，{extra}。", "{place}{what}，请尽快处理。"],
    "C": ["{place}{what}。", "{place}{what}，{extra}。", "{place}{what}，请相关部门维修。"],
    "S": ["{place}{what}，{extra}。", "{place}{what}，请求协调处理。", "居民反映：{place}{what}。"],
    "H": ["来电人{what}，{extra}。", "市民来电：{what}，请尽快答复。", "来电人{what}。"],
}
EXTRAS = {
    "E": ["影响市容环境", "居民反映强烈", "天热有异味", "已持续多日", "影响行人通行"],
    "C": ["存在安全隐患", "夜间行人容易受伤", "影响周边居民出行", "已经好几天了"],
    "S": ["双方情绪激动", "希望社区介入", "已多次反映未解决", "请求帮助"],
    "H": ["希望尽快答复", "要求回电", "情绪较为激动", "已多次来电"],
}
RESOLVE_NOTES = ["网格内处理完毕，现场已恢复", "已协调当事人整改到位", "联系物业当场处理完毕", "已督促商户整改，现场复查合格",
                 "社区调解成功，双方签字确认", "已安排人员处理，拍照留档"]
DECLINE_NOTES = ["不属于受理范围，已告知来电人", "信息不全，无法核实位置", "经核实问题不存在", "属于私人民事纠纷，建议走司法途径"]
ESCALATE_NOTES = {"community": ["超出网格处置能力，需社区协调", "涉及多户居民，需社区出面调解"],
                  "street": ["需街道协调职能部门处置", "社区无执法权，提请街道派遣"],
                  "district": ["涉及区级部门职责，提请区指挥中心派遣", "情况复杂，需区级统筹"]}
DISPATCH_NOTES = ["请按标准时限处置", "请尽快到场处置并反馈", "群众反映强烈，请优先处理"]
JOINT_NOTE = "联合派遣，请各部门协同处置"
RETURN_NOTES = ["不属于本部门职责，请重新派遣", "该路段由其他单位管养", "经现场核实，应由属地负责"]
EXTENSION_NOTES = ["需采购配件，申请延期", "需协调产权单位，申请延期", "天气原因无法施工，申请延期"]
REFUSE_NOTES = ["问题紧急，不予延期，请按时办结", "延期理由不充分"]
VERIFY_PASS_NOTES = ["现场核查，已整改到位", "复核合格", "现场已恢复正常", ""]
VERIFY_FAIL_NOTES = ["现场仍有残留，需返工", "问题未彻底解决，退回重办", "整改不到位，群众仍有意见"]
SUSPEND_NOTES = ["需等待产权单位确认，暂缓处理", "已进入司法程序，挂起待查", "需等待季节条件施工"]
VOID_NOTES = ["重复录入，作废", "测试工单，作废", "来电人撤回诉求"]
SUPERVISE_NOTES = ["已超期，请加快办理", "群众多次反映，请尽快办结", "请于今日内反馈处置情况"]
RATING_COMMENTS = {5: ["处理很及时，满意", "谢谢网格员", "速度快，态度好", ""], 4: ["解决了，就是有点慢", "基本满意", ""],
                   3: ["一般", "处理了但效果一般", ""], 2: ["问题没有彻底解决", "没人跟我联系"],
                   1: ["根本没处理", "敷衍了事"]}
RESULT_PREFIX = {
    "sanitation": "已安排保洁人员处理", "municipal": "已派维修班组到场处置", "urban_management": "执法队员已到场处置",
    "landscaping": "园林养护队已到场处理", "environment": "已派执法人员现场检查", "petitions": "已约谈双方进行调解",
    "police": "民警已到场处置", "housing": "已责令责任单位整改", "market": "已派执法人员检查",
    "emergency": "已组织人员排查处置", "civil_affairs": "已对接落实相关政策", "other": "已处理",
}
CALLERS = ["女士", "先生", "阿姨", "大爷"]


def _choose(rng: random.Random, weights: dict):
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _quota(count: int, shares: dict, rest, rng: random.Random, minimum: int = 1) -> list:
    """`count` labels with the given shares (at least `minimum` each where count allows), the rest
    `rest`, in a random order."""
    labels = []
    for label, share in shares.items():
        labels += [label] * max(minimum if count >= 10 * len(shares) else 1, round(count * share))
    labels = labels[:count]
    labels += [rest] * (count - len(labels))
    rng.shuffle(labels)
    return labels


# --- what the generator reads from the database --------------------------------------------------


class _Context:
    """The district, its grids, departments, people, the catalog, the calendar and the resolver."""

    def __init__(self, district, now: dt.datetime):
        from accounts.models import RoleAssignment
        from areas.geo import parse_geometry
        from areas.models import Area, Department, StaffAssignment
        from areas.resolver import get_index
        from cases.access import standard_of
        from cases.models import Category
        from core.workcalendar import get_calendar

        self.district = district
        self.now = now
        self.calendar = get_calendar()
        self.index = get_index()
        self.areas = {a.pk: a for a in Area.objects.filter(district_code=district.code)}
        parents = {a.parent_id for a in self.areas.values() if a.level in ("grid", "cell")}
        self.grids = [a for a in sorted(self.areas.values(), key=lambda a: a.path)
                      if a.level in ("grid", "cell") and a.pk not in parents and a.boundary]
        if not self.grids:
            raise ValueError(f"district {district.code} has no grids with boundaries: load the demo district first")
        self.shapes = {g.pk: parse_geometry(g.boundary) for g in self.grids}
        self.categories = list(Category.objects.filter(parent__isnull=False, is_active=True)
                               .select_related("standard", "parent").order_by("code"))
        if not self.categories:
            raise ValueError("the catalog is empty")
        self.standards = {c.pk: standard_of(c) for c in self.categories}
        by_major = defaultdict(list)
        for category in self.categories:
            by_major[category.parent.code].append(category)
        self.by_major = dict(by_major)
        self.departments = list(Department.objects.filter(district_code=district.code, is_active=True)
                                .select_related("area").order_by("code"))
        if not self.departments:  # departments of the district's areas, whatever their district_code
            self.departments = list(Department.objects.filter(area__path__startswith=district.path, is_active=True)
                                    .select_related("area").order_by("code"))

        self.roles: dict[tuple[str, int], list[int]] = defaultdict(list)
        self.handlers: dict[int, list[int]] = defaultdict(list)
        active = RoleAssignment.objects.active().filter(
            Q(area__path__startswith=district.path) | Q(department__in=self.departments)).order_by("id")
        for role, area_id, department_id, user_id in active.values_list("role", "area_id", "department_id", "user_id"):
            if department_id:
                self.handlers[department_id].append(user_id)
            else:
                self.roles[(role, area_id)].append(user_id)
        self.chiefs: dict[int, list[int]] = defaultdict(list)
        self.workers: dict[int, list[int]] = defaultdict(list)
        duties = StaffAssignment.objects.active().filter(district_code=district.code).order_by("id")
        for area_id, duty, user_id in duties.values_list("area_id", "duty", "user_id"):
            if duty == "grid_chief":
                self.chiefs[area_id].append(user_id)
            elif duty in ("full_time_worker", "part_time_worker"):
                self.workers[area_id].append(user_id)
        self.command = self.first(self.roles.get(("district_command", district.pk)))
        self.leader = self.first(self.roles.get(("district_leader", district.pk))) or self.command

        # Cases per grid: by households, the urban grids busier; the grids the demo accounts work
        # in busier still, so that every login has open cases to look at.
        focus = {area_id for (role, area_id) in self.roles if role in ("grid_worker", "grid_chief")}
        self.grid_weights = []
        for grid in self.grids:
            community = self.community_of(grid)
            village = community is not None and community.name.endswith(("村委会", "村"))
            weight = (grid.households or 300) * (1.0 if village else 2.5)
            self.grid_weights.append(weight * (4 if grid.pk in focus else 1))
        streets = [a for a in self.areas.values() if a.level == "street"]
        self.roads = sorted({s.name.replace("街道", "") for s in streets if s.name.endswith("路街道")}) + ROADS

    @staticmethod
    def first(ids):
        return ids[0] if ids else None

    def parent(self, area):
        return self.areas.get(area.parent_id)

    def community_of(self, area):
        while area is not None and area.level not in ("community", "street", "district"):
            area = self.parent(area)
        return area if area is not None and area.level == "community" else None

    def owner_of_grid(self, grid):
        """The grid-level owner of a point's grid: the grid, or for a cell the grid above it."""
        area = grid
        while area.level == "cell":
            area = self.parent(area)
        return area

    def owner_user(self, area, rng: random.Random):
        level = "grid" if area.level == "cell" else area.level
        users = self.roles.get((OWNER_ROLE[level], area.pk)) or (self.chiefs.get(area.pk) if level == "grid" else None)
        return (rng.choice(users) if users else None), OWNER_ROLE[level]

    def grid_staff(self, grid, rng: random.Random):
        workers = self.roles.get(("grid_worker", grid.pk), []) + self.workers.get(grid.pk, [])
        if workers:
            return rng.choice(workers), "grid_worker"
        chiefs = self.roles.get(("grid_chief", grid.pk), []) + self.chiefs.get(grid.pk, [])
        return (rng.choice(chiefs) if chiefs else None), "grid_chief"

    def departments_for(self, category, area_path: str, rng: random.Random, joint: bool):
        """Departments of the standard's kinds that serve the place (the most local one of each
        kind), falling back to urban management (城管), then to any department serving it."""
        serving = [d for d in self.departments if area_path.startswith(d.area.path)]

        def best(kind):
            found = [d for d in serving if d.kind == kind]
            return max(found, key=lambda d: (d.area.depth, d.code)) if found else None

        kinds = list(self.standards[category.pk].department_kinds or [])
        chosen = [d for d in (best(k) for k in kinds) if d is not None]
        chosen = list({d.pk: d for d in chosen}.values())
        if not chosen:
            fallback = best("urban_management") or (serving[0] if serving else None)
            chosen = [fallback] if fallback else []
        if not joint:
            chosen = chosen[:1]
        return chosen[:2]

    def other_department(self, exclude, area_path: str, rng: random.Random):
        serving = [d for d in self.departments if area_path.startswith(d.area.path) and d.pk not in exclude]
        preferred = [d for d in serving if d.kind == "urban_management"] or serving
        return rng.choice(preferred) if preferred else None

    def point_in(self, grid, rng: random.Random, near: tuple[float, float] | None = None, radius: float = 0.0):
        """A random point that the resolver places in `grid` (optionally within `radius` degrees of
        `near`)."""
        min_lon, min_lat, max_lon, max_lat = self.shapes[grid.pk].bounds
        if near is not None:
            min_lon, max_lon = max(min_lon, near[0] - radius), min(max_lon, near[0] + radius)
            min_lat, max_lat = max(min_lat, near[1] - radius), min(max_lat, near[1] + radius)
        for _ in range(400):
            lon, lat = rng.uniform(min_lon, max_lon), rng.uniform(min_lat, max_lat)
            if self.index.resolve(lon, lat) == grid.pk:
                return round(lon, 6), round(lat, 6)
        if near is not None:
            return near
        point = self.shapes[grid.pk].representative_point()
        return point.x, point.y

    # --- words for a place ---------------------------------------------------------------------

    def place(self, grid, rng: random.Random) -> str:
        from areas.demo.data import community_short_name, is_village, slug_stem

        community = self.community_of(grid)
        name = community.name if community else grid.name
        values = {
            "n": rng.randint(1, 24), "u": rng.randint(1, 4), "num": rng.randint(2, 288), "side": rng.choice(SIDES),
            "road": rng.choice(self.roads), "road2": rng.choice(self.roads), "corner": rng.choice(CORNERS),
            "shop": rng.choice(SURNAMES) + "记" + rng.choice(SHOPS), "surname": rng.choice(SURNAMES),
            "estate": slug_stem(name) + rng.choice(ESTATES), "village": community_short_name(name),
        }
        if values["road2"] == values["road"]:
            values["road2"] = self.roads[(self.roads.index(values["road"]) + 1) % len(self.roads)]
        return rng.choice(RURAL_PLACES if is_village(name) else URBAN_PLACES).format(**values)

    def description(self, category, place: str, rng: random.Random) -> str:
        kind = category.code[0]
        whats = WHAT.get(category.code) or [f"存在{category.name}问题"]
        template = rng.choice(TEMPLATES.get(kind, TEMPLATES["E"]))
        return template.format(place=place, what=rng.choice(whats), extra=rng.choice(EXTRAS.get(kind, EXTRAS["E"])))


# --- one case's story ----------------------------------------------------------------------------


@dataclass
class _Plan:
    n: int
    target: str
    channel: str
    category: object
    grid: object
    lon: float
    lat: float
    resolve_level: str
    self_resolved: bool
    seed: int
    description: str
    address: str
    light: str = "green"  # for open cases: how far into its step "now" is
    merge_into: object = None  # _Story of the case a merged report follows


@dataclass
class _Event:
    at: dt.datetime
    action: str
    from_state: str
    to_state: str
    actor: int | None
    role: str
    note: str = ""
    task: object = None
    department: object = None
    data: dict = field(default_factory=dict)
    public: bool = True


class _Story:
    """Plays one case from its report on, in memory, by the rules of cases.actions."""

    def __init__(self, ctx: _Context, plan: _Plan, t0: dt.datetime):
        from cases.models import Case

        self.ctx, self.plan = ctx, plan
        self.rng = random.Random(plan.seed)
        self.cal = ctx.calendar
        self.t = t0
        self.wh = 0.0  # office hours since the report
        self.step_wh: float | None = None  # office hours at the start of the running step
        self.events: list[_Event] = []
        self.tasks: list = []
        self.standard = ctx.standards[plan.category.pk]
        grid = plan.grid
        self.case = Case(
            category=plan.category, description=plan.description, address=plan.address, lon=plan.lon, lat=plan.lat,
            grid=grid, area_path=grid.path, district_code=grid.district_code, channel=plan.channel,
            external_id=f"{MARKER}{plan.n:05d}", created_at=t0, tracking_code="", number="",
        )
        self.owner = None

    # -- time --------------------------------------------------------------------------------

    def wait(self, hours: float) -> None:
        """Let `hours` of office time pass."""
        hours = max(hours, 0.02)
        self.t = self.cal.add_hours(self.t, hours)
        self.wh += hours

    def jump(self, moment: dt.datetime) -> None:
        """Move on to a given (later) moment."""
        if moment > self.t:
            self.wh += self.cal.working_seconds(self.t, moment) / 3600
            self.t = moment

    def window(self) -> float:
        """Office hours of the running step (start to due)."""
        c = self.case
        if c.due_at is None or c.step_started_at is None:
            return 0.0
        return self.cal.working_seconds(c.step_started_at, c.due_at) / 3600

    def left(self) -> float:
        """Office hours from now to the running step's deadline (0 if past)."""
        return self.cal.working_seconds(self.t, self.case.due_at) / 3600 if self.case.due_at else 0.0

    def within(self, on_time: bool = True, lo: float = 0.15, hi: float = 0.9) -> None:
        """Take the next action before the step's deadline (or after it, late)."""
        window = self.window() or 4.0
        if on_time:
            self.wait(max(self.left() * self.rng.uniform(lo, hi), 0.05))
        else:
            self.wait(self.left() + window * self.rng.uniform(0.05, 0.8))

    def set_step(self, amount, unit: str = "hours") -> None:
        c = self.case
        c.step_started_at = self.t
        c.warned_at = c.overdue_at = None
        if amount is None:
            c.due_at = c.warn_at = None
            self.step_wh = None
            return
        c.due_at = self.cal.add(self.t, amount, unit)
        c.warn_at = self.cal.fraction_point(self.t, c.due_at, WARN_FRACTION)
        self.step_wh = self.wh

    # -- rows ---------------------------------------------------------------------------------

    def event(self, action, before, actor, role, note="", *, task=None, department=None, data=None, public=True,
              save=True):
        if save:
            self.case.version += 1
        self.events.append(_Event(self.t, action, before, self.case.state, actor, role, note, task, department,
                                  data or {}, public))

    def owner_actor(self):
        return self.ctx.owner_user(self.owner, self.rng)

    def dispatcher(self):
        """Who dispatches, approves extensions and voids: the owner at street/district level, else
        the district command center."""
        if self.case.owner_level in ("street", "district"):
            user, role = self.owner_actor()
            if user is not None:
                return user, role
        return self.ctx.command, "district_command"

    def move_owner(self, area) -> None:
        self.owner = area
        self.case.owner_area = area
        self.case.owner_level = "grid" if area.level == "cell" else area.level

    # -- the actions --------------------------------------------------------------------------

    def report(self) -> None:
        ctx, plan, c, rng = self.ctx, self.plan, self.case, self.rng
        grid = plan.grid
        channel = plan.channel
        owner = ctx.owner_of_grid(grid)
        reporter, role = None, ""
        if channel == Channel.GRID_WORKER:
            reporter, role = ctx.grid_staff(grid, rng)
        elif channel in (Channel.WALK_IN, Channel.ONLINE) and ctx.community_of(grid) is not None:
            # taken in by the community's service station (社区服务站): the community owns it
            owner = ctx.community_of(grid)
            reporter, role = ctx.owner_user(owner, rng)
        elif channel in (Channel.HOTLINE, Channel.ONLINE, Channel.WALK_IN):  # the command center's operators
            owner = ctx.district
            reporter, role = ctx.command, "district_command"
        if channel != Channel.GRID_WORKER and rng.random() < (0.95 if channel == Channel.HOTLINE else 0.6):
            c.reporter_name = rng.choice(SURNAMES) + rng.choice(CALLERS)
            if rng.random() < 0.8:
                c.reporter_phone = "1" + rng.choice("3578") + "".join(str(rng.randint(0, 9)) for _ in range(9))
        c.reporter_id = reporter
        self.move_owner(owner)
        data = {"channel": channel}
        if channel == Channel.HOTLINE:
            data["order"] = f"12345-{self.t:%Y%m%d}-{rng.randint(1000, 9999)}"
        if plan.self_resolved:
            c.state = S.CLOSED
            c.self_resolved = True
            c.resolved_level = "grid"
            c.closed_at = self.t
            c.closed_on_time = True
            self.event("self_resolve", "", reporter, role, plan.description, data=data, save=False)
        else:
            self.set_step(self.standard.accept_hours)
            self.event("report", "", reporter, role, plan.description, data=data, save=False)

    def accept(self, on_time=True) -> None:
        self.within(on_time, 0.1, 0.8)
        user, role = self.owner_actor()
        before = self.case.state
        self.case.state = S.ACCEPTED
        self.case.accepted_at = self.t
        self.set_step(self.standard.dispatch_hours)
        self.event("accept", before, user, role)

    def decline(self) -> None:
        self.within(True, 0.1, 0.7)
        user, role = self.owner_actor()
        before = self.case.state
        self.case.state = S.DECLINED
        self.set_step(None)
        self.event("decline", before, user, role, self.rng.choice(DECLINE_NOTES))

    def escalate(self) -> None:
        self.wait(self.left() * self.rng.uniform(0.05, 0.25) if self.case.due_at else 0.5)
        user, role = self.owner_actor()
        parent = self.ctx.parent(self.owner)
        while parent is not None and parent.level == "cell":
            parent = self.ctx.parent(parent)
        before = self.case.state
        self.move_owner(parent)
        self.case.escalation_count += 1
        self.event("escalate", before, user, role, self.rng.choice(ESCALATE_NOTES[self.case.owner_level]),
                   data={"to_level": self.case.owner_level, "to_area": parent.code})

    def file(self) -> None:
        self.wait(self.left() * self.rng.uniform(0.05, 0.3) if self.case.due_at else 0.3)
        user, role = self.owner_actor()
        before = self.case.state
        self.case.state = S.FILED
        self.case.filed_at = self.t
        self.event("file", before, user, role)

    def resolve(self, on_time=True) -> None:
        self.within(on_time, 0.2, 0.95)
        user, role = self.owner_actor()
        c = self.case
        before = c.state
        c.state = S.CLOSED
        c.resolved_level = c.owner_level
        c.closed_at = self.t
        c.closed_on_time = c.due_at is None or self.t <= c.due_at
        self.set_step(None)
        self.event("resolve", before, user, role, self.rng.choice(RESOLVE_NOTES))

    def dispatch(self, departments, on_time=True) -> None:
        from cases.models import CaseTask

        self.within(on_time, 0.1, 0.85)
        user, role = self.dispatcher()
        c, st = self.case, self.standard
        before = c.state
        c.handle_due_at = self.cal.add(self.t, st.handle_limit, st.handle_unit)
        c.state = S.DISPATCHED
        c.dispatched_at = c.dispatched_at or self.t
        c.dispatch_count += 1
        self.set_step(st.handle_limit, st.handle_unit)
        for task in self.tasks:
            if task.state in OPEN_TASK_STATES:
                task.state = TaskState.CANCELLED
        new = [CaseTask(case=c, department=d, due_at=c.handle_due_at, created_at=self.t) for d in departments]
        self.tasks += new
        note = JOINT_NOTE if len(departments) > 1 else self.rng.choice(DISPATCH_NOTES)
        self.event("dispatch", before, user, role, note,
                   data={"departments": [d.code for d in departments], "due_at": c.handle_due_at.isoformat()})

    def open_tasks(self):
        return [t for t in self.tasks if t.state in OPEN_TASK_STATES]

    def handler(self, task):
        users = self.ctx.handlers.get(task.department_id)
        return self.rng.choice(users) if users else None

    def accept_task(self, task) -> None:
        self.wait(self.window() * self.rng.uniform(0.01, 0.08))
        before = self.case.state
        task.state = TaskState.HANDLING
        task.accepted_at = self.t
        self.case.state = S.HANDLING
        self.event("accept_task", before, self.handler(task), "department_handler", task=task,
                   department=task.department)

    def _after_tasks_change(self) -> None:
        c = self.case
        live = [t for t in self.tasks if t.state != TaskState.CANCELLED]
        if any(t.state in OPEN_TASK_STATES for t in live):
            return
        if any(t.state == TaskState.HANDLED for t in live):
            c.state = S.VERIFYING
            c.handled_at = self.t
            self.set_step(self.standard.verify_hours)
        else:
            c.state = S.FILED
            c.return_count += 1
            self.set_step(self.standard.dispatch_hours)

    def return_task(self, task) -> None:
        self.wait(self.window() * self.rng.uniform(0.02, 0.2))
        before = self.case.state
        task.state = TaskState.RETURNED
        self._after_tasks_change()
        self.event("return_task", before, self.handler(task), "department_handler", self.rng.choice(RETURN_NOTES),
                   task=task, department=task.department)

    def report_back(self, task, on_time=True) -> None:
        if on_time:
            self.wait(self.left() * self.rng.uniform(0.15, 0.85))
        else:
            self.wait(self.left() + self.window() * self.rng.uniform(0.05, 0.6))
        before = self.case.state
        kind = task.department.kind
        note = f"{RESULT_PREFIX.get(kind, '已处理')}，{self.standard.quality_standard or '处理完毕'}"
        task.state = TaskState.HANDLED
        task.handled_at = self.t
        task.result = note
        task.extension_requested_hours = None
        self._after_tasks_change()
        self.event("report_back", before, self.handler(task), "department_handler", note, task=task,
                   department=task.department)

    def request_extension(self, task) -> int:
        self.wait(self.left() * self.rng.uniform(0.3, 0.7))
        hours = self.rng.choice([8, 16, 24, 40])
        task.extension_requested_hours = hours
        task.extension_reason = self.rng.choice(EXTENSION_NOTES)
        self.event("request_extension", self.case.state, self.handler(task), "department_handler",
                   task.extension_reason, task=task, department=task.department, data={"hours": hours}, public=False)
        return hours

    def decide_extension(self, task, approve: bool) -> None:
        self.wait(self.rng.uniform(0.5, 4))
        user, role = self.dispatcher()
        c = self.case
        hours = task.extension_requested_hours
        data = {"hours": hours, "department": task.department.code}
        if approve:
            task.due_at = self.cal.add_hours(task.due_at or self.t, hours)
            c.extension_count += 1
            c.due_at = max(t.due_at for t in self.open_tasks() if t.due_at)
            c.handle_due_at = c.due_at
            c.warn_at = self.cal.fraction_point(c.step_started_at or self.t, c.due_at, WARN_FRACTION)
            c.warned_at = c.overdue_at = None
            data["due_at"] = task.due_at.isoformat()
        task.extension_requested_hours = None
        name = "approve_extension" if approve else "refuse_extension"
        self.event(name, c.state, user, role, "" if approve else self.rng.choice(REFUSE_NOTES), task=task,
                   department=task.department, data=data, public=False)

    def verify(self, passed: bool, on_time=True) -> None:
        self.within(on_time, 0.1, 0.9)
        user, role = self.ctx.grid_staff(self.plan.grid, self.rng)
        c = self.case
        before = c.state
        if passed:
            c.state = S.CLOSED
            c.closed_at = self.t
            c.resolved_level = c.owner_level
            deadline = c.handle_due_at or c.due_at
            c.closed_on_time = deadline is None or (c.handled_at or self.t) <= deadline
            self.set_step(None)
            self.event("verify_pass", before, user, role, self.rng.choice(VERIFY_PASS_NOTES))
        else:
            c.state = S.HANDLING
            c.rework_count += 1
            self.set_step(self.standard.handle_limit, self.standard.handle_unit)
            c.handle_due_at = c.due_at
            for task in self.tasks:
                if task.state == TaskState.HANDLED:
                    task.state = TaskState.HANDLING
                    task.rework_count += 1
                    task.due_at = c.due_at
            self.event("verify_fail", before, user, role, self.rng.choice(VERIFY_FAIL_NOTES))

    def suspend(self, days: tuple[int, int] = (5, 30)) -> dt.date:
        self.wait(self.rng.uniform(0.5, 6))
        user, role = self.owner_actor()
        c = self.case
        before = c.state
        c.state_before_suspension = c.state
        c.state = S.SUSPENDED
        review_on = timezone.localtime(self.t).date() + dt.timedelta(days=self.rng.randint(*days))
        c.review_on = review_on
        self.event("suspend", before, user, role, self.rng.choice(SUSPEND_NOTES),
                   data={"review_on": review_on.isoformat()})
        return review_on

    def resume(self, review_on: dt.date) -> None:
        moment = timezone.make_aware(dt.datetime.combine(review_on, dt.time(9, 30)), self.cal.tz)
        self.jump(self.cal.normalize(moment))
        user, role = self.owner_actor()
        c, st = self.case, self.standard
        before = c.state
        c.state = c.state_before_suspension or S.FILED
        c.state_before_suspension = ""
        c.review_on = None
        if c.state in (S.DISPATCHED, S.HANDLING):
            self.set_step(st.handle_limit, st.handle_unit)
            c.handle_due_at = c.due_at
            for task in self.open_tasks():
                task.due_at = c.due_at
        else:
            self.set_step(st.dispatch_hours)
        self.event("resume", before, user, role)

    def void(self) -> None:
        self.wait(self.rng.uniform(0.3, 6))
        user, role = self.ctx.command, "district_command"
        c = self.case
        before = c.state
        c.state = S.VOIDED
        for task in self.open_tasks():
            task.state = TaskState.CANCELLED
        self.set_step(None)
        self.event("void", before, user, role, self.rng.choice(VOID_NOTES))

    def merge(self, target: _Story) -> None:
        self.within(True, 0.1, 0.9)
        user, role = self.owner_actor()
        c = self.case
        before = c.state
        c.state = S.MERGED
        c.merged_into = target.case
        self.set_step(None)
        self.event("merge", before, user, role, "重复上报，并入原案件", data={"into": target.case})
        target.events.append(_Event(self.t, "merged_in", target.state_at(self.t), target.state_at(self.t), user, role,
                                     "重复上报，并入原案件", data={"from": c}, public=False))

    def rate(self, rating: int) -> None:
        c = self.case
        c.rating = rating
        c.rating_comment = self.rng.choice(RATING_COMMENTS[rating])
        c.rated_at = self.t
        if rating <= 2 and not c.rating_reopened:
            c.rating_reopened = True
            c.state = S.FILED
            c.reopen_count += 1
            c.closed_at = None
            c.closed_on_time = None
            c.resolved_level = ""
            self.set_step(self.standard.dispatch_hours)
            self.event("rate", S.CLOSED, None, "reporter", c.rating_comment, data={"rating": rating, "reopened": True})
        else:
            self.event("rate", c.state, None, "reporter", c.rating_comment, data={"rating": rating})

    def callback(self) -> None:
        satisfied = self.case.rating is None or self.case.rating >= 3
        self.event("callback", self.case.state, self.ctx.command, "district_command",
                   "已回访来电人，" + ("对处理结果满意" if satisfied else "对处理结果不满意"),
                   data={"satisfied": satisfied}, public=False)

    def supervise(self, remind: bool) -> None:
        user, role = (self.ctx.command, "district_command") if remind else (self.ctx.leader, "district_leader")
        self.event("remind" if remind else "supervise", self.case.state, user, role, self.rng.choice(SUPERVISE_NOTES),
                   public=False)

    def state_at(self, moment: dt.datetime) -> str:
        state = ""
        for event in self.events:
            if event.at <= moment and event.to_state:
                state = event.to_state
        return state

    def end_of_open(self) -> dt.datetime | None:
        """When the case first left the open states (None: still open)."""
        for event in self.events:
            if event.to_state and event.to_state not in OPEN_STATES:
                return event.at
        return None


# --- the plot ------------------------------------------------------------------------------------


def _play(s: _Story) -> None:
    """Play the case to its planned final state. For an open case, stops right after the last
    action; the caller then places "now" into the running step."""
    plan, rng, c = s.plan, s.rng, s.case
    target = plan.target
    late = rng.random() < 0.12  # one step of this case runs late
    s.report()
    if plan.self_resolved or target == S.REPORTED:
        return
    if target in (S.DECLINED, S.MERGED) and rng.random() < 0.5:
        if target == S.DECLINED:
            s.decline()
        return  # a merge is played by the caller, against its target
    if target == S.VOIDED and rng.random() < 0.15:
        return s.void()
    s.accept(on_time=not (late and rng.random() < 0.3))
    if target == S.DECLINED:
        return s.decline()
    if target == S.MERGED:
        return
    goal = plan.resolve_level
    while LEVEL_RANK[c.owner_level] < LEVEL_RANK[goal] and s.ctx.parent(s.owner) is not None:
        if target == S.ACCEPTED and rng.random() < 0.5:
            return
        s.escalate()
    if target == S.ACCEPTED:
        return
    if target == S.VOIDED and rng.random() < 0.3:
        return s.void()
    if goal in ("grid", "community"):
        if target == S.CLOSED:
            if rng.random() < 0.25:
                s.file()
            s.resolve(on_time=not late)
            return _after_close(s)
        s.file()
        if target == S.SUSPENDED:
            s.suspend()
        elif target == S.VOIDED:
            s.void()
        return
    _dispatch_flow(s, late)


def _dispatch_flow(s: _Story, late: bool) -> None:
    plan, rng, c, ctx = s.plan, s.rng, s.case, s.ctx
    target = plan.target
    s.file()
    if target == S.FILED and rng.random() < 0.7:
        return
    if target == S.SUSPENDED and rng.random() < 0.3:
        s.suspend()
        return
    joint = rng.random() < 0.3
    departments = ctx.departments_for(plan.category, c.area_path, rng, joint)
    if not departments:  # nobody to send it to: the owning level resolves it
        if target == S.VOIDED:
            return s.void()
        if target in OPEN_STATES:
            return
        s.resolve(on_time=not late)
        return _after_close(s)
    s.dispatch(departments)
    if target == S.FILED or (len(departments) == 1 and rng.random() < 0.06):
        for task in s.open_tasks():
            s.return_task(task)
        if target == S.FILED:
            return
        other = ctx.other_department({d.pk for d in departments}, c.area_path, rng)
        s.dispatch([other] if other else departments)
    if target == S.DISPATCHED:
        return
    if target == S.VOIDED:
        if rng.random() < 0.5:
            s.accept_task(s.open_tasks()[0])
        return s.void()
    for task in s.open_tasks():
        s.accept_task(task)
    if target == S.SUSPENDED:
        s.suspend()
        return
    if target == S.HANDLING:
        roll = rng.random()
        if roll < 0.2:
            s.request_extension(s.open_tasks()[0])  # waiting for a decision
        elif roll < 0.35 and len(s.open_tasks()) > 1:
            s.report_back(s.open_tasks()[0])  # one of two departments done
        return
    if target == S.CLOSED and rng.random() < 0.02:
        review_on = s.suspend((3, 15))
        s.resume(review_on)
    if rng.random() < 0.07:
        task = s.open_tasks()[0]
        s.request_extension(task)
        s.decide_extension(task, approve=rng.random() < 0.8)
    tasks = s.open_tasks()
    for number, task in enumerate(tasks):
        s.report_back(task, on_time=not (late and number == len(tasks) - 1))
    if target == S.VERIFYING:
        return
    if rng.random() < 0.09:
        s.verify(passed=False)
        for task in s.open_tasks():
            s.report_back(task)
    s.verify(passed=True, on_time=rng.random() < 0.92)
    _after_close(s)


def _after_close(s: _Story) -> None:
    """Rating by the reporter (谁呼谁评), a callback for operators' orders; a bad first rating
    reopens the case, which is then handled again."""
    plan, rng, c = s.plan, s.rng, s.case
    channel = plan.channel
    rated = rng.random() < (0.6 if channel == Channel.GRID_WORKER else 0.88)
    if rated:
        s.jump(s.t + dt.timedelta(hours=rng.uniform(0.3, 30)))
        rating = _choose(rng, RATINGS)
        s.rate(rating)
        if c.state == S.FILED:  # reopened
            if c.owner_level in ("grid", "community"):
                s.resolve()
            else:
                departments = s.ctx.departments_for(plan.category, c.area_path, rng, False)
                if departments:
                    s.dispatch(departments)
                    for task in s.open_tasks():
                        s.accept_task(task)
                    for task in s.open_tasks():
                        s.report_back(task)
                    s.verify(passed=True)
                else:
                    s.resolve()
            if rng.random() < 0.7:
                s.jump(s.t + dt.timedelta(hours=rng.uniform(0.5, 30)))
                s.rate(rng.choice([3, 4, 4, 5]))
    if channel in (Channel.HOTLINE, Channel.WALK_IN, Channel.ONLINE) and rng.random() < 0.5:
        s.wait(rng.uniform(2, 16))
        s.callback()


# --- planning and timing -------------------------------------------------------------------------

LIGHTS = {"green": (0.05, 0.75), "yellow": (0.82, 0.97), "red": (1.05, 2.5)}


def _report_moment(ctx: _Context, rng: random.Random, channel: str, start: dt.datetime, end: dt.datetime):
    """A report time between start and end: grid workers and walk-ins in office hours, residents
    and the hotline from early morning to late evening, any day."""
    cal = ctx.calendar
    span = (end - start).total_seconds()
    for _ in range(50):
        moment = timezone.localtime(start + dt.timedelta(seconds=rng.uniform(0, span)), cal.tz)
        if channel in (Channel.GRID_WORKER, Channel.WALK_IN):
            if not cal.is_workday(moment.date()) and rng.random() < 0.9:
                continue
            hour = rng.uniform(8.5, 17.5)
        else:
            hour = rng.triangular(7, 23, 10)
        moment = moment.replace(hour=int(hour), minute=int(hour % 1 * 60), second=rng.randint(0, 59))
        if start <= moment <= end:
            return moment
    return start


def _back(cal, moment: dt.datetime, hours: float) -> dt.datetime:
    """The moment `hours` of office time before `moment` (add_hours backwards)."""
    local = timezone.localtime(moment, cal.tz)
    day = local.date()

    def at(d, clock):
        return timezone.make_aware(dt.datetime.combine(d, clock), cal.tz)

    def previous_workday(d):
        d -= dt.timedelta(days=1)
        while not cal.is_workday(d):
            d -= dt.timedelta(days=1)
        return d

    if not cal.is_workday(day) or local.time() < cal.start:
        current = at(previous_workday(day), cal.end)
    elif local.time() > cal.end:
        current = at(day, cal.end)
    else:
        current = local
    remaining = hours * 3600
    while True:
        available = (current - at(current.date(), cal.start)).total_seconds()
        if remaining < available:
            return current - dt.timedelta(seconds=remaining)
        remaining -= available
        current = at(previous_workday(current.date()), cal.end)


def _tell(ctx: _Context, plan: _Plan, rng: random.Random) -> _Story:
    """Play a case so that it ends before now; an open case so that now falls where its light says
    in its running step (a suspended one a day or three after its suspension)."""
    now = ctx.now
    if plan.target in OPEN_STATES:
        trial = _Story(ctx, plan, _back(ctx.calendar, now, 600))
        _play(trial)
        if plan.target == S.SUSPENDED:
            hours = trial.wh + rng.uniform(1, 20)
        else:
            step_wh = trial.step_wh if trial.step_wh is not None else trial.wh
            fraction = rng.uniform(*LIGHTS[plan.light])
            hours = max(step_wh + fraction * (trial.window() or 1.0), trial.wh + 0.05)
        for _ in range(4):
            story = _Story(ctx, plan, _back(ctx.calendar, now, hours))
            _play(story)
            if story.t <= now:
                return story
            hours += story.cal.working_seconds(now, story.t) / 3600 + 0.1
        return story
    t0 = _report_moment(ctx, rng, plan.channel, now - dt.timedelta(days=DAYS), now - dt.timedelta(hours=6))
    for _ in range(6):
        story = _Story(ctx, plan, t0)
        _play(story)
        if story.t <= now:
            return story
        # it would end after now: report it earlier by the office time it took (and some)
        t0 = _back(ctx.calendar, min(t0, now), story.wh + rng.uniform(4, 80))
    _trim(story, now)
    return story


def _trim(story: _Story, now: dt.datetime) -> None:
    """Last resort: drop trailing rating/callback rows that would lie in the future."""
    while story.events and story.events[-1].at > now and story.events[-1].action in ("rate", "callback"):
        event = story.events.pop()
        if event.action == "rate":
            story.case.rating = None
            story.case.rating_comment = ""
            story.case.rated_at = None


def _plans(ctx: _Context, count: int, seed: int) -> list[_Plan]:
    rng = random.Random(seed)
    targets = _quota(count, STATE_SHARES, S.CLOSED, rng, minimum=2)
    channels = _quota(count, {k: v for k, v in CHANNEL_SHARES.items() if k != Channel.GRID_WORKER},
                      Channel.GRID_WORKER, rng, minimum=2)
    plans = []
    for n, (target, channel) in enumerate(zip(targets, channels, strict=True), start=1):
        grid = rng.choices(ctx.grids, weights=ctx.grid_weights)[0]
        majors = {m: w for m, w in CHANNEL_MAJORS[channel].items() if m in ctx.by_major} or \
            dict.fromkeys(ctx.by_major, 1)
        minors = ctx.by_major[_choose(rng, majors)]
        category = rng.choices(minors, weights=[1 / (i + 1) ** 0.6 for i in range(len(minors))])[0]
        standard = ctx.standards[category.pk]
        close = standard.close_level if standard.close_level in RESOLUTION else "street"
        community = ctx.community_of(grid)
        start = "grid"
        if channel in (Channel.HOTLINE, Channel.ONLINE, Channel.WALK_IN):
            start = "community" if channel != Channel.HOTLINE and community is not None else "district"
        floor = max(close, start, key=lambda level: LEVEL_RANK[level])
        levels = {lv: w for lv, w in RESOLUTION[close].items() if LEVEL_RANK[lv] >= LEVEL_RANK[floor]} or \
            {floor: 1}
        if target in (S.FILED, S.DISPATCHED, S.HANDLING, S.VERIFYING, S.SUSPENDED):
            levels = {lv: w for lv, w in levels.items() if lv in ("street", "district")} or \
                {max(floor, "street", key=lambda level: LEVEL_RANK[level]): 1}
        resolve_level = _choose(rng, levels)
        self_resolved = (target == S.CLOSED and channel == Channel.GRID_WORKER and close == "grid"
                         and rng.random() < 0.3)
        lon, lat = ctx.point_in(grid, rng)
        place = ctx.place(grid, rng)
        description = ctx.description(category, place, rng)
        light = _choose(rng, {"green": 0.5, "yellow": 0.2, "red": 0.3})
        plans.append(_Plan(n, target, channel, category, grid, lon, lat, resolve_level, self_resolved,
                           rng.randrange(1 << 30), description, place, light))
    return plans


def _merge_stories(ctx: _Context, plans: list[_Plan], stories: list[_Story], rng: random.Random) -> list[_Story]:
    """Duplicate reports (same category, a few dozen metres away, within days of the original)
    merged into an open case."""
    candidates = [s for s in stories if not s.case.self_resolved and s.case.state != S.MERGED
                  and s.events and s.events[0].action == "report"]
    merged = []
    for plan in plans:
        for _attempt in range(30):
            target = rng.choice(candidates)
            end = target.end_of_open() or ctx.now
            start = target.case.created_at
            latest = min(end, start + dt.timedelta(days=5))
            if latest - start < dt.timedelta(hours=6):
                continue
            plan.category, plan.grid = target.case.category, target.plan.grid
            plan.lon, plan.lat = ctx.point_in(plan.grid, rng, near=(target.case.lon, target.case.lat), radius=0.0008)
            plan.description = ctx.description(plan.category, target.plan.address, rng)
            plan.address = target.plan.address
            t0 = _report_moment(ctx, rng, plan.channel, start + dt.timedelta(minutes=30), latest)
            story = _Story(ctx, plan, t0)
            _play(story)
            if story.case.state not in (S.REPORTED, S.ACCEPTED):
                continue
            saved = len(target.events)
            story.merge(target)
            if story.t < end and story.t <= ctx.now and target.state_at(story.t) in OPEN_STATES:
                merged.append(story)
                break
            del target.events[saved:]
        else:  # no duplicate fits: it is declined as a duplicate instead
            plan.target = S.DECLINED
            merged.append(_tell(ctx, plan, rng))
    return merged


# --- writing -------------------------------------------------------------------------------------


@dataclass
class DemoCasesResult:
    district: str
    created: int = 0
    existing: int = 0
    deleted: int = 0
    events: int = 0
    tasks: int = 0
    seconds: float = 0.0
    states: Counter = field(default_factory=Counter)
    channels: Counter = field(default_factory=Counter)
    resolved_levels: Counter = field(default_factory=Counter)


def demo_cases(district_code: str):
    from cases.models import Case

    return Case.objects.filter(district_code=district_code, external_id__startswith=MARKER)


def delete_demo_cases(district_code: str) -> int:
    """Delete a district's demo cases with their tasks, timelines, photos rows and idempotency keys
    (plain DELETEs: the ORM's cascade would load every timeline row first)."""
    from cases.models import Case, CaseEvent, CasePhoto, CaseTask, IdempotencyRecord

    ids = list(demo_cases(district_code).values_list("pk", flat=True))
    if not ids:
        return 0
    with transaction.atomic():
        _release_references(ids)
        # other cases merged into demo ones lose the link rather than block the deletion
        Case.objects.filter(merged_into_id__in=ids).exclude(pk__in=ids).update(merged_into=None)
        for model, column in ((CasePhoto, "case_id"), (CaseEvent, "case_id"), (IdempotencyRecord, "case_id"),
                              (CaseTask, "case_id")):
            _delete_in(model, column, ids)
        Case.objects.filter(pk__in=ids).exclude(merged_into__isnull=True).update(merged_into=None)
        _delete_in(Case, "id", ids)
    return len(ids)


def _release_references(ids: list[int]) -> None:
    """Rows of other apps that point at the cases about to go (early-warning keys, webhook events,
    patrol links, disputes, meeting decisions …): deleted where the relation cascades, set to
    null where it does, their link rows removed for many-to-many. Read from the model relations,
    so an app added later is covered too; the case loop's own tables are deleted by the caller."""
    from django.db import models

    from cases.models import Case, CaseEvent, CasePhoto, CaseTask, IdempotencyRecord

    own = {Case, CaseEvent, CasePhoto, CaseTask, IdempotencyRecord}
    for relation in Case._meta.get_fields(include_hidden=True):
        if not relation.auto_created or relation.concrete or relation.related_model in own:
            continue
        if relation.many_to_many:
            through = relation.through
            column = next(f.column for f in through._meta.fields if f.related_model is Case)
            _delete_in(through, column, ids)
        elif relation.on_delete is models.SET_NULL:
            field = relation.field
            for start in range(0, len(ids), 500):
                relation.related_model._base_manager.filter(**{f"{field.name}__in": ids[start:start + 500]}).update(
                    **{field.name: None})
        else:
            _delete_in(relation.related_model, relation.field.column, ids)


def _delete_in(model, column: str, ids: list[int]) -> None:
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            cursor.execute(f"DELETE FROM {table} WHERE {connection.ops.quote_name(column)} IN "  # noqa: S608
                           f"({', '.join(['%s'] * len(chunk))})", chunk)


def _number(stories: list[_Story]) -> None:
    """Case numbers as the intake makes them (date + primary key), and the time of the last change."""
    from cases.models import Case

    rows = []
    for story in stories:
        case = story.case
        case.number = f"{timezone.localtime(case.created_at):%Y%m%d}{case.pk:07d}"
        case.updated_at = max(e.at for e in story.events)
        rows.append((case.number, connection.ops.adapt_datetimefield_value(case.updated_at), case.pk))
    table = connection.ops.quote_name(Case._meta.db_table)
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {table} SET number = %s, updated_at = %s WHERE id = %s", rows)  # noqa: S608


def load_demo_cases(district_code: str | None = None, count: int = DEFAULT_COUNT, *, reset: bool = False,
                    seed: int = DEFAULT_SEED, now: dt.datetime | None = None) -> DemoCasesResult:
    """Generate `count` demo cases in a loaded demo district (the only district, or 410611).
    Skips a district that already has demo cases unless reset=True."""
    from areas.models import Area
    from cases.catalog import load_default_catalog
    from cases.models import Case, CaseEvent, CaseTask, new_tracking_code
    from core.audit import record
    from core.crypto import encrypt

    started = time.monotonic()
    district = _district(district_code)
    result = DemoCasesResult(district=district.code)
    with transaction.atomic():
        existing = demo_cases(district.code).count()
        if existing and not reset:
            result.existing = existing
            result.seconds = time.monotonic() - started
            return result
        if existing:
            result.deleted = delete_demo_cases(district.code)
        load_default_catalog()
        now = now or timezone.now()
        ctx = _Context(Area.objects.get(pk=district.pk), now.replace(microsecond=0))
        plans = _plans(ctx, count, seed)
        rng = random.Random(seed + 1)
        stories = [_tell(ctx, plan, rng) for plan in plans if plan.target != S.MERGED]
        stories += _merge_stories(ctx, [p for p in plans if p.target == S.MERGED], stories, rng)
        for story in stories:
            _pressure(story, ctx, rng)

        cases = [s.case for s in stories]
        for case in cases:
            case.number = case.external_id  # unique for now; the real number needs the primary key
            case.tracking_code = new_tracking_code()
            case.reporter_phone = encrypt(case.reporter_phone)
        first, second = [c for c in cases if c.merged_into is None], [c for c in cases if c.merged_into is not None]
        Case.objects.bulk_create(first, batch_size=500)
        Case.objects.bulk_create(second, batch_size=500)
        _number(stories)

        tasks = [task for s in stories for task in s.tasks]
        CaseTask.objects.bulk_create(tasks, batch_size=500)
        rows = []
        for number, story in enumerate(stories):
            ordered = sorted(enumerate(story.events), key=lambda pair: (pair[1].at, pair[0]))
            state = ""
            for seq, event in ordered:
                if event.action == "merged_in":  # no change of state: the target's state in timeline order
                    event.from_state = event.to_state = state
                elif event.to_state:
                    state = event.to_state
                rows.append((number, event.at, seq, story.case, event))
        rows.sort(key=lambda row: row[:3])
        CaseEvent.objects.bulk_create([_event_row(case, event) for *_, case, event in rows], batch_size=1000)
        result.created = len(cases)
        result.events = len(rows)
        result.tasks = len(tasks)
        result.states = Counter(c.state for c in cases)
        result.channels = Counter(c.channel for c in cases)
        result.resolved_levels = Counter(c.resolved_level for c in cases if c.state == S.CLOSED)
        record(None, "cases.load_demo", district, note=f"{len(cases)} demo cases generated (seed {seed})")
    result.seconds = time.monotonic() - started
    return result


def _pressure(story: _Story, ctx: _Context, rng: random.Random) -> None:
    """Supervision (督办) and reminders (催办) on some open cases that ran over time."""
    c = story.case
    if c.state not in OPEN_STATES or c.state == S.SUSPENDED or c.due_at is None or c.due_at >= ctx.now:
        return
    if rng.random() < 0.45:
        start = max(c.due_at, story.t)
        if ctx.now - start > dt.timedelta(minutes=20):
            story.jump(start + (ctx.now - start) * rng.uniform(0.2, 0.9))
            story.supervise(remind=rng.random() < 0.5)


def _event_row(case, event: _Event):
    from cases.models import CaseEvent

    data = {key: (value.number if hasattr(value, "number") else value) for key, value in event.data.items()}
    return CaseEvent(case=case, task=event.task, action=event.action, from_state=event.from_state,
                     to_state=event.to_state, actor_id=event.actor, actor_role=event.role, department=event.department,
                     note=event.note, data=data, public=event.public, created_at=event.at)


def _district(code: str | None):
    from areas.demo.data import DEFAULT_DISTRICT
    from areas.models import Area

    districts = Area.objects.filter(level="district")
    if code:
        district = districts.filter(code=code).first()
    else:
        district = districts.first() if districts.count() == 1 else districts.filter(code=DEFAULT_DISTRICT).first()
    if district is None:
        raise ValueError(f"no district {code or ''} loaded: run manage.py load_demo first".replace("  ", " "))
    return district
