"""The default catalog: the urban-management catalog (事件/部件, after GB/T 30428), the
social-governance side the reports describe, and 12345's five kinds of appeal, each minor
category with its handling standard (标准清单). Admins edit it afterwards; loading again only adds
what is missing and never overwrites an edited standard."""

from __future__ import annotations

from django.db import transaction

# (code, name, kind, sensitive, [(code, name, departments, handle_limit, unit, close_level, quality)])
H, D = "hours", "days"
CATALOG = [
    ("E01", "市容环境", "event", False, [
        ("E0101", "暴露垃圾", ["sanitation"], 4, H, "grid", "垃圾清运干净，地面无残留"),
        ("E0102", "积存垃圾渣土", ["sanitation"], 1, D, "grid", "渣土清运完毕，无二次遗撒"),
        ("E0103", "道路不洁", ["sanitation"], 4, H, "grid", "路面清扫干净"),
        ("E0104", "水域不洁", ["environment"], 2, D, "community", "水面无漂浮垃圾"),
        ("E0105", "绿地脏乱", ["landscaping"], 1, D, "grid", "绿地内无垃圾杂物"),
        ("E0106", "焚烧垃圾树叶", ["urban_management", "environment"], 2, H, "community", "明火熄灭，现场清理"),
    ]),
    ("E02", "宣传广告", "event", False, [
        ("E0201", "非法小广告", ["urban_management"], 1, D, "grid", "小广告清除，墙面恢复"),
        ("E0202", "违规户外广告", ["urban_management"], 5, D, "street", "违规广告拆除"),
        ("E0203", "占道宣传", ["urban_management"], 4, H, "community", "宣传品撤离道路"),
    ]),
    ("E03", "施工管理", "event", False, [
        ("E0301", "施工扰民", ["urban_management", "environment"], 2, D, "street", "夜间停止违规施工"),
        ("E0302", "工地扬尘", ["environment", "housing"], 1, D, "street", "扬尘措施到位，覆盖洒水"),
        ("E0303", "道路遗撒", ["urban_management", "sanitation"], 4, H, "community", "遗撒清理干净"),
        ("E0304", "违规占道施工", ["municipal", "urban_management"], 2, D, "street", "恢复通行，围挡规范"),
    ]),
    ("E04", "突发事件", "event", False, [
        ("E0401", "路面塌陷", ["municipal", "emergency"], 2, H, "district", "设置警示，抢修完毕"),
        ("E0402", "自来水管破裂", ["municipal"], 2, H, "street", "断水抢修，恢复供水"),
        ("E0403", "燃气泄漏", ["emergency", "municipal"], 1, H, "district", "切断气源，排除险情"),
        ("E0404", "道路积水", ["municipal"], 4, H, "street", "积水排除，恢复通行"),
        ("E0405", "火情", ["emergency"], 1, H, "district", "明火扑灭，现场处置"),
    ]),
    ("E05", "街面秩序", "event", False, [
        ("E0501", "无照经营游商", ["urban_management", "market"], 4, H, "community", "游商劝离"),
        ("E0502", "占道经营", ["urban_management"], 4, H, "grid", "经营物品撤回店内"),
        ("E0503", "店外经营", ["urban_management"], 4, H, "grid", "恢复店内经营"),
        ("E0504", "乱堆物料", ["urban_management"], 1, D, "grid", "物料清理"),
        ("E0505", "违章停车", ["police"], 4, H, "community", "车辆驶离或处罚"),
        ("E0506", "私搭乱建", ["urban_management", "housing"], 10, D, "street", "违建拆除到位"),
    ]),
    ("C01", "公用设施", "component", False, [
        ("C0101", "井盖破损缺失", ["municipal"], 4, H, "community", "井盖更换完好，设置警示"),
        ("C0102", "路灯损坏", ["municipal"], 2, D, "community", "路灯恢复照明"),
        ("C0103", "消防栓损坏", ["emergency", "municipal"], 2, D, "street", "消防栓可正常使用"),
        ("C0104", "电力设施损坏", ["municipal"], 1, D, "street", "设施修复，无安全隐患"),
        ("C0105", "通信设施损坏", ["municipal"], 3, D, "community", "线缆规整修复"),
    ]),
    ("C02", "道路交通", "component", False, [
        ("C0201", "交通标志损坏", ["police", "municipal"], 3, D, "community", "标志恢复"),
        ("C0202", "护栏损坏", ["municipal"], 3, D, "community", "护栏修复"),
        ("C0203", "公交站亭损坏", ["municipal"], 5, D, "community", "站亭修复"),
        ("C0204", "道路破损", ["municipal"], 5, D, "street", "路面修补平整"),
        ("C0205", "信号灯故障", ["police"], 4, H, "street", "信号灯恢复"),
    ]),
    ("C03", "市容环境设施", "component", False, [
        ("C0301", "垃圾箱损坏", ["sanitation"], 2, D, "grid", "垃圾箱更换"),
        ("C0302", "公厕故障", ["sanitation"], 1, D, "community", "公厕恢复使用"),
        ("C0303", "果皮箱缺失", ["sanitation"], 3, D, "grid", "果皮箱补齐"),
    ]),
    ("C04", "园林绿化", "component", False, [
        ("C0401", "树木倒伏", ["landscaping"], 4, H, "community", "倒伏树木清理扶正"),
        ("C0402", "绿地破坏", ["landscaping"], 3, D, "community", "绿地恢复"),
        ("C0403", "行道树缺株", ["landscaping"], 10, D, "street", "补植到位"),
    ]),
    ("C05", "房屋土地", "component", False, [
        ("C0501", "危房", ["housing", "emergency"], 1, D, "district", "人员撤离，排险加固"),
        ("C0502", "违章建筑", ["urban_management", "housing"], 15, D, "street", "违建拆除"),
    ]),
    ("S01", "矛盾纠纷", "social", True, [
        ("S0101", "邻里纠纷", ["petitions"], 10, D, "community", "调解结案，双方签字"),
        ("S0102", "家庭纠纷", ["petitions", "civil_affairs"], 10, D, "community", "调解结案，回访无反复"),
        ("S0103", "物业纠纷", ["housing"], 15, D, "community", "物业与业主达成一致"),
        ("S0104", "劳资纠纷", ["petitions"], 15, D, "street", "欠薪支付或移送处理"),
        ("S0105", "土地纠纷", ["petitions"], 20, D, "street", "调处结案"),
    ]),
    ("S02", "安全隐患", "social", True, [
        ("S0201", "消防安全隐患", ["emergency"], 2, D, "street", "隐患整改到位"),
        ("S0202", "燃气安全隐患", ["emergency", "municipal"], 1, D, "street", "隐患排除"),
        ("S0203", "房屋安全隐患", ["housing"], 3, D, "street", "鉴定并整改"),
        ("S0204", "电动车违规充电", ["emergency"], 1, D, "community", "拆除飞线，规范充电"),
    ]),
    ("S03", "民生求助", "social", False, [
        ("S0301", "困难救助", ["civil_affairs"], 5, D, "community", "救助落实"),
        ("S0302", "就业求助", ["civil_affairs"], 10, D, "community", "推荐岗位或培训"),
        ("S0303", "养老服务", ["civil_affairs"], 5, D, "community", "服务落实"),
        ("S0304", "医疗求助", ["civil_affairs"], 2, D, "community", "联系医疗资源"),
    ]),
    ("S04", "治安", "social", True, [
        ("S0401", "治安隐患", ["police"], 1, D, "street", "隐患消除"),
        ("S0402", "可疑情况", ["police"], 4, H, "street", "核查处置"),
        ("S0403", "噪音扰民", ["police", "environment"], 1, D, "community", "噪音消除"),
    ]),
    ("S05", "物业", "social", False, [
        ("S0501", "物业服务问题", ["housing"], 5, D, "community", "物业整改"),
        ("S0502", "电梯故障", ["market", "housing"], 1, D, "community", "电梯恢复运行"),
        ("S0503", "供暖问题", ["housing"], 2, D, "street", "室温达标"),
        ("S0504", "停水停电", ["municipal"], 4, H, "street", "恢复供应"),
    ]),
    ("H01", "咨询", "hotline", False, [("H0101", "政策咨询", ["civil_affairs"], 3, D, "community", "答复到位")]),
    ("H02", "求助", "hotline", False, [("H0201", "生活求助", ["civil_affairs"], 3, D, "community", "求助解决")]),
    ("H03", "投诉", "hotline", False, [("H0301", "服务投诉", ["petitions"], 5, D, "street", "投诉办结并反馈")]),
    ("H04", "举报", "hotline", True, [("H0401", "违法举报", ["police", "market"], 5, D, "street", "核查并依法处理")]),
    ("H05", "建议", "hotline", False, [("H0501", "意见建议", ["petitions"], 10, D, "street", "研究并答复")]),
]


def load_default_catalog() -> int:
    """Create the categories and standards that are missing; returns how many were created."""
    from cases.models import Category, Standard

    created = 0
    with transaction.atomic():
        for sort, (code, name, kind, sensitive, minors) in enumerate(CATALOG):
            major, made = Category.objects.get_or_create(
                code=code, defaults={"name": name, "kind": kind, "sensitive": sensitive, "sort": sort})
            created += made
            for minor_sort, (mcode, mname, departments, limit, unit, close_level, quality) in enumerate(minors):
                minor, made = Category.objects.get_or_create(
                    code=mcode, defaults={"name": mname, "kind": kind, "parent": major, "sensitive": sensitive,
                                          "sort": minor_sort})
                created += made
                Standard.objects.get_or_create(category=minor, defaults={
                    "department_kinds": departments, "handle_limit": limit, "handle_unit": unit,
                    "close_level": close_level, "quality_standard": quality,
                    "filing_conditions": f"属于{name}类“{mname}”，位置明确、有照片或描述可核实。",
                    "accept_hours": 1 if unit == H else 2, "dispatch_hours": 2 if unit == H else 4,
                })
    return created


CATALOG_COUNTER = "catalog"
_minors = None  # a core.counters.StampedCache, made on first use (it needs the app registry)


def active_minor(code: str):
    """The active minor category with this code, its standard loaded, or None. From a per-process
    map kept until the catalog changes (a core.Counter stamp bumped on every save or delete of a
    category or standard: cases/apps.py); intake reads it on every report."""
    global _minors
    from cases.models import Category
    from core.counters import StampedCache

    if _minors is None:
        _minors = StampedCache(CATALOG_COUNTER, size=1)
    minors = _minors.get(None, lambda: {c.code: c for c in Category.objects.filter(
        is_active=True, parent__isnull=False).select_related("parent", "standard")})
    return minors.get((code or "").strip())
