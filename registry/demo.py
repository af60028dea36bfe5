"""The demo registry (manage.py load_demo_registry; load_demo calls it): about 150,000 synthetic
residents in about 50,000 households across a loaded demo district, with their dwellings,
estates (小区) and buildings (楼栋), special groups, organizations, shops and components (部件).

Everything here is invented. Names are drawn from common surnames and given-name characters; the
identity card numbers are SYNTHETIC BY CONSTRUCTION — never taken from any list of real people:
a region code (the district's own 6-digit code for the birth years python-stdnum accepts it for,
else its city's code, or an origin elsewhere for people not registered here), the birth date, a
random 3-digit sequence (odd for men, even for women, as the 17th digit is) and the ISO 7064
check digit, so they pass `stdnum.cn.ric.is_valid` like real ones. Being well-formed, any such
number may by chance equal some real person's; nothing ties it to one. Phones are random
11-digit 1xx numbers; the unified social credit codes are random bodies with correct check
characters (`stdnum.cn.uscc.is_valid`). Addresses, estate and road names are illustrative (示意).

How the people look: households of 1–6 (about 3 people each: singles, couples, parents with
children, three generations, and in villages grandparents raising left-behind children), ages
from those family shapes (an age pyramid close to a Chinese district's: ~17 % under 15, ~14 %
65+), genders matching the id numbers, 户籍/常住/流动 in proportions that differ between urban
streets and villages, phones for most people of 12 and over, and special-group tags at plausible
rates (elderly living alone ~3 % of the 65+, disabled ~2 %, low-income households ~1.5 % of people,
severe mental illness ~0.3 %, community correction and released prisoners rare ...), the sensitive
ones with the grid's full-time worker as carer.

Fast: rows are built in memory and written with one multi-row INSERT per batch (executemany) in
one transaction, with primary keys assigned here (the ORM's bulk_create takes minutes for 150,000
people). Personal data still goes through the model's own setters (Person.set_name,
set_id_number, set_phone; SpecialGroupTag.set_kind), so the encryption and blind indexes are
exactly what the application writes. Deterministic for a given seed and day (ages count from
today; Fernet ciphertexts are random by design). Demo dwellings carry external_key "demo:…";
loading again skips a district that has them, reset=True deletes what a load made and loads again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import shapely
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Q
from django.utils import timezone
from stdnum.cn import ric, uscc

from areas import geo
from areas.choices import DepartmentKind, Duty, Level
from areas.demo.data import community_short_name, street_stem
from areas.models import Area, Department, StaffAssignment
from registry.choices import ComponentState, Gender, IdType, OrganizationKind, Relation, ResidenceStatus
from registry.choices import SpecialGroup as SG
from registry.models import (
    Building,
    Component,
    Dwelling,
    Estate,
    Household,
    Organization,
    Person,
    Residence,
    SpecialGroupTag,
)

DEFAULT_COUNT = 150_000
DEFAULT_SEED = 20260415
DEFAULT_DISTRICT = "410611"
MARKER = "demo:"  # Dwelling.external_key of every demo dwelling
BATCH = 2000
LONG_LIVED_REGION = "110101"  # 北京市东城区: valid for every birth year in python-stdnum's table

# --- names ------------------------------------------------------------------------------------

# Surnames in order of frequency; the first ones with their rough share (%), the rest on a tail.
TOP_SURNAMES = [("王", 7.1), ("李", 7.0), ("张", 6.7), ("刘", 5.4), ("陈", 4.5), ("杨", 3.1), ("黄", 2.2),
                ("赵", 2.1), ("吴", 2.0), ("周", 1.9), ("徐", 1.5), ("孙", 1.5), ("马", 1.5), ("朱", 1.3),
                ("胡", 1.3), ("郭", 1.2), ("何", 1.2), ("高", 1.1), ("林", 1.1), ("罗", 0.9), ("郑", 0.9),
                ("梁", 0.9)]
TAIL_SURNAMES = (
    "谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱"
    "江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷"
    "詹申耿关兰焦俞左柳甘祝包宁尚舒柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴鲍华喻祁蒲房滕屈饶"
    "解牟艾尤时穆司卓古吉缪简车项连芦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾"
    "隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟"
)
COMPOUND_SURNAMES = ["欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "令狐", "夏侯", "慕容", "尉迟"]

# Given names by era of birth and gender: whole names, and characters to combine.
GIVEN = {
    ("old", Gender.MALE): ("建国 国庆 德福 振华 保国 志强 长江 玉明 文华 福生 建华 国华 德胜 金生 明德 树林 春生 "
                           "永福 庆丰 满仓 宝山 连生 铁柱 继承 广才 有才 占奎 福全 守义 清泉"),
    ("old", Gender.FEMALE): ("秀英 桂英 玉兰 桂兰 秀兰 淑珍 凤英 玉珍 秀珍 玉梅 秀荣 兰英 桂芳 淑芬 凤兰 素梅 "
                             "翠花 爱莲 玉芬 秀芝 淑华 桂珍 金凤 月娥 素珍 凤芝 玉华 彩霞"),
    ("mid", Gender.MALE): ("建军 卫东 红军 志刚 国强 建平 海涛 永刚 立新 建设 卫国 红旗 振东 新民 军 勇 平 刚 强 "
                           "斌 波 伟 杰 明 华 辉 峰 东 林 志勇 建伟 国栋 晓东 文斌 海军 宏伟 永强"),
    ("mid", Gender.FEMALE): ("丽 红 英 霞 艳 丽华 红梅 春梅 海燕 丽娟 秀梅 晓红 爱华 丽萍 红霞 桂香 艳红 春燕 "
                             "玉霞 凤霞 丽芳 美玲 晓燕 红英 秀云 慧 敏 萍 芳 静"),
    ("young", Gender.MALE): ("伟 磊 涛 鹏 超 杰 浩 帅 鑫 亮 强 晓东 海洋 志伟 俊杰 文博 晓明 宇 飞 凯 龙 阳 "
                             "博 健 明辉 建华 俊 振宇 家豪 晓龙 志鹏 亚飞 文杰 鹏飞 浩然 冬冬 一帆"),
    ("young", Gender.FEMALE): ("静 敏 娜 婷 丹 丽 晶 倩 莹 雪 佳 晓燕 婷婷 丹丹 静怡 慧敏 晓丽 亚楠 梦 璐 颖 "
                               "琳 悦 晨 蕾 欢 雅琪 文静 晓庆 佳佳 梦雪 雪梅 瑶"),
    ("new", Gender.MALE): ("子轩 浩然 宇轩 梓豪 俊熙 子墨 一鸣 浩宇 奕辰 宇航 皓轩 睿泽 博文 梓睿 沐阳 子豪 明轩 "
                           "天佑 梓轩 俊宇 宇泽 子涵 嘉豪 思远 锦程 一诺 铭泽 承泽 昊天 景行"),
    ("new", Gender.FEMALE): ("梓涵 欣怡 子涵 一诺 雨桐 诗涵 可馨 梓萱 思彤 语嫣 欣妍 紫涵 若汐 雨萱 佳怡 心怡 "
                             "梦瑶 诗琪 梓琪 一然 悦彤 语桐 沐晴 安琪 雨涵 芷若 婉清 佳琪 书瑶 乐瑶"),
}
GIVEN_CHARS = {
    Gender.MALE: "伟强磊军勇杰涛明超刚平辉鹏飞宇浩东峰斌波海亮林健俊志国建华文龙成新博洋鑫凯帅晨阳睿泽铭航旭皓鸿彬瑞锐"
                 "毅祥福荣永金德庆生春振宏安兴家",
    Gender.FEMALE: "芳娜敏静丽艳娟秀霞桂英兰萍红玉梅燕雪琳佳欣丹颖婷慧莉倩璐晶洁悦怡涵萱琪妍诺彤雨思可馨月凤珍云"
                   "华淑美琴蓉薇",
}
SINGLE_GIVEN_SHARE = {"old": 0.08, "mid": 0.30, "young": 0.22, "new": 0.05}


def words(text: str) -> list[str]:
    return text.split()


def era(year: int) -> str:
    return "old" if year < 1960 else "mid" if year < 1980 else "young" if year < 2000 else "new"


# --- places -----------------------------------------------------------------------------------

ROADS = words("淇河路 兴鹤大街 华山路 黄河路 嵩山路 太行路 朝歌路 天山路 湘江路 珠江路 漓江路 桂鹤路 金山路 福源路 "
         "兴业路 建设路 人民路 文化路 和平路 新华街 振兴路 光明路 春雷路 盛世路 富民路 迎宾路 学府路 长风路 钱塘路 "
         "庐山路 衡山路 恒山路 嘉陵江路 松花江路 海河路 淮河路 汉江路 赣江路 岷江路 丹江路")
ESTATE_HEADS = words("幸福 金鹤 阳光 翠园 锦绣 华庭 御景 书香 泰和 盛世 美好 康乐 和谐 银河 明珠 紫荆 桂花 丽景 "
                "怡景 山水 滨河 湖畔 东方 新城 福泽 瑞祥 鑫苑 宏宇 万和 安居 惠民 颐和 龙湖 恒大 建业 正商 "
                "鹤源 淇水 朝阳 文昌 春晖 永安 和平 兴旺 天成 祥和 润泽 凯旋 翡翠 学府")
ESTATE_TAILS = words("小区 花园 家园 苑 名苑 新村 公馆 佳苑 华府 雅居 景苑 城")
OLD_ESTATE_TAILS = words("家属院 小区 新村 宿舍")
OLD_ESTATE_HEADS = words("电业局 供销社 粮食局 纺织厂 机械厂 煤矿 建工 交通局 化工厂 水泥厂 棉纺厂 电厂")

# (floors, units, rooms per floor per unit, weight) for an old and a new estate's buildings.
OLD_BUILDINGS = [(5, 3, 2, 2), (6, 3, 2, 5), (7, 2, 2, 2)]
NEW_BUILDINGS = [(11, 2, 2, 3), (18, 2, 2, 3), (26, 2, 3, 3), (33, 2, 4, 1), (6, 3, 2, 1)]
VACANCY = 0.12  # share of urban dwellings nobody is registered in

# --- organizations and components -------------------------------------------------------------

SHOP_WORDS = words("惠民 福满 鑫源 顺发 兴隆 好又多 万家 百姓 家家乐 金鑫 永盛 和顺 利民 同心 益民 康宁 佳美 时尚 新潮 "
              "阳光 老街 红星 聚福 天天 邻里 四季 东方 德昌 宏达 恒通 吉祥 如意 兄弟 实惠 诚信 大众")
# business type → (name patterns, share of shops); {w} a word, {s} a surname
SHOP_TYPES = {
    "餐饮": (["{s}记家常菜", "老{s}家烩面馆", "{w}饺子馆", "{w}火锅", "{w}烧烤", "{s}家面馆", "{w}快餐", "{w}早餐店"], 22),
    "便利店": (["{w}便利店", "{w}超市", "{w}购物中心"], 14),
    "理发": (["{w}理发店", "{w}美发", "{s}师傅理发"], 7),
    "美容": (["{w}美容院", "{w}美甲"], 3),
    "五金": (["{w}五金", "{w}五金建材", "{s}记五金"], 5),
    "药店": (["{w}大药房", "{w}药店"], 5),
    "水果": (["{w}水果店", "{w}鲜果"], 5),
    "服装": (["{w}服饰", "{w}童装", "{w}鞋店"], 6),
    "通讯": (["{w}手机店", "{w}通讯"], 3),
    "母婴": (["{w}母婴店"], 2),
    "烟酒": (["{w}烟酒", "{w}名烟名酒"], 4),
    "洗衣": (["{w}干洗店"], 2),
    "快递驿站": (["{w}快递驿站"], 3),
    "维修": (["{s}师傅家电维修", "{w}电动车维修", "{w}开锁修鞋"], 4),
    "诊所": (["{s}氏诊所", "{w}口腔诊所"], 2),
    "汽修": (["{w}汽修", "{w}洗车行"], 3),
    "粮油": (["{w}粮油店", "{w}菜店"], 5),
    "文具": (["{w}文具店", "{w}书店"], 2),
    "花店": (["{w}花店"], 1),
    "眼镜": (["{w}眼镜店"], 1),
}
RURAL_SHOP_TYPES = {"便利店": 40, "餐饮": 15, "农资": 15, "理发": 8, "五金": 8, "诊所": 6, "粮油": 8}
RURAL_SHOP_NAMES = {"农资": ["{w}农资店", "{s}记种子化肥"], "诊所": ["{w}村卫生室", "{s}氏诊所"]}
ENTERPRISE_WORDS = words("恒达 鑫源 华瑞 宏远 中联 天润 金盛 博远 正通 信达 嘉禾 永泰 汇丰 宏图 盛达 鼎盛 华鑫 "
                    "科创 瑞丰 天成 新峰 万通 顺达 通宇 远航 德信 晟泰 华兴 亿达 富康")
ENTERPRISE_TRADES = [("商贸", "批发零售"), ("建筑工程", "建筑业"), ("机械制造", "制造业"), ("物流", "交通运输"),
                     ("电子科技", "信息技术"), ("物业服务", "物业管理"), ("餐饮管理", "餐饮业"), ("农业科技", "农业"),
                     ("新材料", "制造业"), ("食品", "食品加工"), ("房地产开发", "房地产业"), ("家政服务", "居民服务"),
                     ("广告传媒", "商务服务"), ("汽车销售", "批发零售"), ("环保科技", "环保")]
COMPANY_FORMS = ["有限公司", "有限责任公司", "科技有限公司", "股份有限公司"]
SOCIAL_ORGS = [("{c}志愿者协会", "志愿服务"), ("{c}老年人协会", "养老服务"), ("{c}文体队", "文体活动"),
               ("{c}红白理事会", "移风易俗"), ("{c}调解委员会", "矛盾调解"), ("{c}书画协会", "文体活动"),
               ("{c}爱心互助会", "社区服务")]
SITE_KINDS = [("{e}二期项目工地", "房建工程"), ("{r}道路改造工程", "市政道路工程"), ("{e}老旧小区改造工程", "改造工程"),
              ("{r}雨污分流管网工程", "管网工程"), ("{e}商业综合体项目工地", "房建工程")]

# Component types (部件): 4-digit type codes in the style of GB/T 30428.2 (2-digit major class:
# 01 公用设施, 02 道路交通, 03 市容环境, 04 园林绿化; 2-digit minor class) — the demo's own list.
# (code, name, owning department kind, maintaining department kind, per urban grid, per village)
COMPONENT_TYPES = [
    ("0101", "上水井盖", DepartmentKind.MUNICIPAL, DepartmentKind.MUNICIPAL, 6, 1.0),
    ("0102", "污水井盖", DepartmentKind.MUNICIPAL, DepartmentKind.MUNICIPAL, 6, 1.0),
    ("0103", "雨水井盖", DepartmentKind.MUNICIPAL, DepartmentKind.MUNICIPAL, 5, 0.5),
    ("0104", "雨水箅子", DepartmentKind.MUNICIPAL, DepartmentKind.MUNICIPAL, 6, 0.5),
    ("0105", "电力井盖", DepartmentKind.MUNICIPAL, DepartmentKind.MUNICIPAL, 2, 0.3),
    ("0107", "通信井盖", DepartmentKind.MUNICIPAL, DepartmentKind.MUNICIPAL, 2, 0.2),
    ("0115", "消防栓", DepartmentKind.EMERGENCY, DepartmentKind.MUNICIPAL, 3, 0.5),
    ("0120", "路灯", DepartmentKind.MUNICIPAL, DepartmentKind.MUNICIPAL, 15, 4.0),
    ("0201", "交通标志牌", DepartmentKind.POLICE, DepartmentKind.MUNICIPAL, 3, 1.0),
    ("0202", "道路护栏", DepartmentKind.MUNICIPAL, DepartmentKind.MUNICIPAL, 2, 0.2),
    ("0203", "公交站亭", DepartmentKind.MUNICIPAL, DepartmentKind.MUNICIPAL, 1, 0.2),
    ("0204", "交通信号灯", DepartmentKind.POLICE, DepartmentKind.POLICE, 1, 0.0),
    ("0301", "公共厕所", DepartmentKind.SANITATION, DepartmentKind.SANITATION, 0.6, 1.0),
    ("0302", "垃圾箱", DepartmentKind.SANITATION, DepartmentKind.SANITATION, 8, 3.0),
    ("0303", "果皮箱", DepartmentKind.SANITATION, DepartmentKind.SANITATION, 6, 0.5),
    ("0401", "行道树", DepartmentKind.LANDSCAPING, DepartmentKind.LANDSCAPING, 8, 0.5),
    ("0402", "绿地", DepartmentKind.LANDSCAPING, DepartmentKind.LANDSCAPING, 1, 0.0),
]
COMPONENT_STATES = [(ComponentState.OK, 95), (ComponentState.DAMAGED, 3), (ComponentState.MISSING, 1.5),
                    (ComponentState.REMOVED, 0.5)]

# Origins (region codes) of people registered elsewhere: the neighbouring counties first.
ORIGINS = [("410621", 10), ("410622", 10), ("410602", 6), ("410603", 5), ("410526", 6), ("410523", 4),
           ("410527", 4), ("410721", 4), ("410782", 3), ("410922", 3), ("410102", 3), ("410305", 2),
           ("130481", 3), ("130429", 2), ("371502", 2), ("341202", 2), ("140521", 2), ("610112", 1),
           ("320106", 1), ("510107", 1)]

ORIGIN_CODES = [code for code, _ in ORIGINS]
ORIGIN_WEIGHTS = [sum(w for _, w in ORIGINS[: i + 1]) for i in range(len(ORIGINS))]

# Special groups and carers
CARED_KINDS = {SG.ELDERLY_ALONE, SG.SEVERE_MENTAL_ILLNESS, SG.COMMUNITY_CORRECTION, SG.RELEASED_PRISONER,
               SG.DRUG_REHAB, SG.LEFT_BEHIND_CHILD}


# --- synthetic numbers ------------------------------------------------------------------------

_region_cache: dict[tuple[str, int], str] = {}


def _ric(region: str, birth: dt.date, sequence: int) -> str:
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + ric.calc_check_digit(first17 + "0")  # the last character is a placeholder


def id_region(code: str, year: int) -> str:
    """`code` if python-stdnum accepts it for people born in `year` (410611 only from 1983), else
    its city's or province's code if accepted, else a long-lived code (110101)."""
    key = (code, year)
    if key not in _region_cache:
        birth = dt.date(year, 6, 15)
        for candidate in (code, code[:4] + "00", code[:2] + "0000", LONG_LIVED_REGION):
            if ric.is_valid(_ric(candidate, birth, 1)):
                _region_cache[key] = candidate
                break
        else:  # pragma: no cover - 110101 has no date range
            _region_cache[key] = LONG_LIVED_REGION
    return _region_cache[key]


def synthetic_id_number(region: str, birth: dt.date, male: bool, rng: random.Random, used: set) -> str:
    """A synthetic identity card number: region, birth date, a free random sequence whose last digit
    is odd for a man and even for a woman, check digit. Never a real person's by construction."""
    region = id_region(region, birth.year)
    for _ in range(200):
        sequence = rng.randrange(0, 500) * 2 + (1 if male else 0)
        if (region, birth, sequence) not in used:
            used.add((region, birth, sequence))
            return _ric(region, birth, sequence)
    raise RuntimeError(f"no free sequence left for {region} {birth}")


# GB 11714 organization code check: weights over the 8 body characters, mod 11.
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def _org_code(body: str) -> str:
    total = sum(int(ch, 36) * w for ch, w in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return body + ("X" if check == 10 else "0" if check == 11 else str(check))


def synthetic_credit_code(authority: str, kind: str, region: str, rng: random.Random, used: set) -> str:
    """A unified social credit code: registering authority, entity type, region, a random 9-character
    organization code (with its own GB 11714 check) and the GB 32100 check character."""
    while True:
        body = f"{authority}{kind}{region}{_org_code(f'{rng.randrange(10**8):08d}')}"
        code = body + uscc.calc_check_digit(body)
        if code not in used:
            used.add(code)
            return code


def synthetic_phone(rng: random.Random, used: set) -> str:
    while True:
        prefix = rng.choice(("13", "15", "18", "17", "19", "16"))
        number = f"{prefix}{rng.randrange(10)}{rng.randrange(10**8):08d}"
        if number not in used:
            used.add(number)
            return number


# --- the rows ---------------------------------------------------------------------------------


class Table:
    """Rows for one model: a tuple per row, in the order of `fields` (attnames); ids assigned here."""

    def __init__(self, model: type[models.Model], fields: list[str], base_id: int):
        self.model = model
        self.fields = ["id", *fields]
        self.rows: list[tuple] = []
        self.next_id = base_id + 1

    def add(self, *values) -> int:
        pk = self.next_id
        self.next_id += 1
        self.rows.append((pk, *values))
        return pk

    def __len__(self):
        return len(self.rows)


PLACED = ["grid_id", "area_path", "district_code", "lon", "lat", "created_at", "updated_at"]


@dataclass
class Grid:
    area: Area
    polygon: object
    urban: bool
    weight: float
    street: Area
    community: Area
    people: int = 0
    worker_id: int | None = None
    roads: list[str] = field(default_factory=list)


@dataclass
class Member:
    relation: str
    age: int
    male: bool
    left_behind: bool = False  # a child raised by grandparents while the parents work away


@dataclass
class Taken:
    """What the database already holds that must stay unique."""

    id_indexes: set = field(default_factory=set)
    credit_codes: set = field(default_factory=set)
    component_codes: set = field(default_factory=set)

    @classmethod
    def load(cls, district_code: str) -> Taken:
        return cls(
            id_indexes=set(Person.objects.exclude(id_number_index="").values_list("id_number_index", flat=True)),
            credit_codes=set(Organization.objects.exclude(credit_code="").values_list("credit_code", flat=True)),
            component_codes=set(Component.objects.filter(code__startswith=district_code)
                                .values_list("code", flat=True)),
        )


@dataclass
class Stats:
    counts: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    tags: Counter = field(default_factory=Counter)
    ages: Counter = field(default_factory=Counter)  # by band
    households: int = 0


class Generator:
    """Builds every row of the demo registry of one district in memory (no database writes)."""

    def __init__(self, district: Area, count: int, seed: int = DEFAULT_SEED, *, base_ids: dict | None = None,
                 today: dt.date | None = None, taken: Taken | None = None, keep_every: int = 0):
        self.district = district
        self.count = count
        self.rng = random.Random(seed)
        self.today = today or timezone.localdate()
        self.now = timezone.now()
        base_ids = base_ids or {}
        self.stats = Stats()
        taken = taken or Taken()
        self.taken_id_indexes = taken.id_indexes  # blind indexes of the id numbers already registered
        self.used_ids: set = set()
        self.used_phones: set = set()
        self.used_codes: set = set(taken.credit_codes)
        self.used_component_codes: set = set(taken.component_codes)
        self.used_names: set = set()
        self._pinyin: dict[str, tuple[str, str]] = {}
        self._person = Person()  # scratch instance: its setters encrypt and index exactly as the app does
        self._scratch_tag = SpecialGroupTag()
        b = lambda model: base_ids.get(model, 0)  # noqa: E731
        self.estates = Table(Estate, [*PLACED, "name", "address"], b(Estate))
        self.buildings = Table(Building, [*PLACED, "estate_id", "name", "floors"], b(Building))
        self.dwellings = Table(Dwelling, [*PLACED, "building_id", "unit", "room", "address", "external_key"],
                               b(Dwelling))
        self.households = Table(Household, [*PLACED, "number", "dwelling_id", "head_id"], b(Household))
        self.people = Table(Person, [*PLACED, "name", "name_pinyin", "name_initials", "gender", "birth_date",
                                     "id_type", "id_number_enc", "id_number_index", "id_number_last4", "phone_enc",
                                     "phone_index", "phone_tail_index", "residence_status", "dwelling_id",
                                     "household_id", "relation", "address_text", "moved_out_on", "canary"],
                            b(Person))
        self.residences = Table(Residence, ["person_id", "dwelling_id", "household_id", "relation", "moved_in_on",
                                            "moved_out_on"], b(Residence))
        self.tags = Table(SpecialGroupTag, ["person_id", "kind_enc", "kind_index", "starts_on", "ends_on",
                                            "carer_id", "area_path", "district_code"], b(SpecialGroupTag))
        self.organizations = Table(Organization, [*PLACED, "kind", "name", "credit_code", "business_type",
                                                  "address", "dwelling_id", "contact_name", "contact_phone_enc"],
                                   b(Organization))
        self.components = Table(Component, [*PLACED, "type_code", "name", "code", "owner_department_id",
                                            "maintainer_department_id", "state"], b(Component))
        self.surnames, self.surname_weights = self._surname_table()
        # candidates for special groups, filled while the people are made
        self._elderly_alone: list[tuple[int, Grid, dt.date]] = []
        self._empty_nest: list[tuple[int, Grid, dt.date]] = []
        self._left_behind: list[tuple[int, Grid, dt.date]] = []
        self._people_info: list[tuple[int, Grid, dt.date, bool, int]] = []  # id, grid, birth, male, household
        self._household_members: dict[int, list[int]] = defaultdict(list)
        self._serials: Counter = Counter()  # component serial numbers by type
        # every keep_every-th person's plaintext id number and phone (benchmarks search for them)
        self.keep_every = keep_every
        self.kept: dict[int, tuple[str, str]] = {}

    # -- helpers ---------------------------------------------------------------------------

    def tables(self) -> list[Table]:
        """In the order they must be written (foreign keys are deferred, but keep it natural)."""
        return [self.estates, self.buildings, self.dwellings, self.households, self.people, self.residences,
                self.tags, self.organizations, self.components]

    def placed(self, grid: Grid, lon=None, lat=None) -> tuple:
        area = grid.area
        return (area.pk, area.path, area.district_code, lon, lat, self.now, self.now)

    @staticmethod
    def _surname_table():
        names = [s for s, _ in TOP_SURNAMES]
        weights = [w for _, w in TOP_SURNAMES]
        tail_total = 100 - sum(weights) - 0.15
        tail = [1 / (i + 8) ** 1.1 for i in range(len(TAIL_SURNAMES))]
        scale = tail_total / sum(tail)
        names += list(TAIL_SURNAMES)
        weights += [w * scale for w in tail]
        names += COMPOUND_SURNAMES
        weights += [0.15 / len(COMPOUND_SURNAMES)] * len(COMPOUND_SURNAMES)
        cumulative, total = [], 0.0
        for w in weights:
            total += w
            cumulative.append(total)
        return names, cumulative

    def surname(self) -> str:
        return self.rng.choices(self.surnames, cum_weights=self.surname_weights)[0]

    def given_name(self, year: int, male: bool) -> str:
        rng = self.rng
        gender = Gender.MALE if male else Gender.FEMALE
        period = era(year)
        if rng.random() < SINGLE_GIVEN_SHARE[period]:
            return rng.choice(GIVEN_CHARS[gender])
        if rng.random() < 0.55:
            return rng.choice(GIVEN[(period, gender)].split())
        chars = GIVEN_CHARS[gender]
        return rng.choice(chars) + rng.choice(chars)

    def pinyin(self, surname: str, given: str) -> tuple[str, str]:
        """(name_pinyin, name_initials) as Person.set_name computes them, from the surname's and the
        given name's separately (cached: a few thousand distinct parts instead of ~100,000 names).
        They differ from the whole name's only where pypinyin would read a phrase across the two
        (about 2 in 10,000 names, e.g. 殷红 → yan hong), and then the surname's own reading is right."""
        parts = []
        for part in (surname, given):
            found = self._pinyin.get(part)
            if found is None:
                self._person.set_name(part)
                found = self._pinyin[part] = (self._person.name_pinyin, self._person.name_initials)
            parts.append(found)
        return parts[0][0] + parts[1][0], parts[0][1] + parts[1][1]

    def point_in(self, grid: Grid, near: tuple[float, float] | None = None, spread_m: float = 0) -> tuple[float, float]:
        """A random point inside the grid (rounded to 1e-6°, ~0.1 m), near a point if given."""
        rng, polygon = self.rng, grid.polygon
        min_x, min_y, max_x, max_y = polygon.bounds
        for attempt in range(400):
            if near is not None and attempt < 60:
                dx = rng.gauss(0, spread_m) / 91_000  # metres → degrees of longitude at ~35° N
                dy = rng.gauss(0, spread_m) / 111_000
                x, y = near[0] + dx, near[1] + dy
            else:
                x, y = rng.uniform(min_x, max_x), rng.uniform(min_y, max_y)
            x, y = round(x, 6), round(y, 6)
            if shapely.contains_xy(polygon, x, y):
                return x, y
        point = polygon.representative_point()  # pragma: no cover - a sliver of a grid
        return round(point.x, 6), round(point.y, 6)

    def birth_date(self, age: int) -> dt.date:
        """A birth date that makes someone `age` today."""
        last = self.today.replace(year=self.today.year - age) if not (
            self.today.month == 2 and self.today.day == 29) else self.today.replace(year=self.today.year - age, day=28)
        return last - dt.timedelta(days=self.rng.randrange(0, 365))

    # -- the district ----------------------------------------------------------------------

    def grids(self, grids: list[Grid]) -> None:
        """Share the people out over the grids by their household figures (largest remainder)."""
        total = sum(g.weight for g in grids) or 1
        exact = [self.count * g.weight / total for g in grids]
        counts = [int(x) for x in exact]
        for i in sorted(range(len(grids)), key=lambda i: (counts[i] - exact[i], grids[i].area.code))[
                : self.count - sum(counts)]:
            counts[i] += 1
        for grid, n in zip(grids, counts, strict=True):
            grid.people = n

    def generate(self, grids: list[Grid], departments: dict[str, int]) -> None:
        self.grids(grids)
        for grid in grids:
            if grid.people:
                self._grid(grid)
        self._special_groups()
        for grid in grids:
            self._organizations(grid)
            self._components(grid, departments)
        for table in self.tables():
            self.stats.counts[LABELS[table.model]] = len(table)

    # -- dwellings -------------------------------------------------------------------------

    def _estate_name(self, old: bool) -> str:
        rng = self.rng
        for _ in range(50):
            name = (rng.choice(OLD_ESTATE_HEADS) + rng.choice(OLD_ESTATE_TAILS) if old
                    else rng.choice(ESTATE_HEADS) + rng.choice(ESTATE_TAILS))
            if name not in self.used_names:
                break
        else:
            base = name
            n = 2
            while (name := f"{base}{n}期") in self.used_names:
                n += 1
        self.used_names.add(name)
        return name

    def _urban_dwellings(self, grid: Grid, needed: int) -> list[tuple[int, str]]:
        """Estates and buildings until there are `needed` dwellings: [(dwelling id, address)]."""
        rng = self.rng
        dwellings: list[tuple[int, str]] = []
        while len(dwellings) < needed:
            old = rng.random() < 0.4
            name = self._estate_name(old)
            road = rng.choice(grid.roads)
            number = rng.randrange(1, 400)
            estate_address = f"{road}{number}号"
            centre = self.point_in(grid)
            estate_id = self.estates.add(*self.placed(grid, *centre), name, estate_address)
            kinds = OLD_BUILDINGS if old else NEW_BUILDINGS
            buildings = rng.randint(4, 12) if old else rng.randint(2, 8)
            for b in range(1, buildings + 1):
                floors, units, rooms, _ = rng.choices(kinds, weights=[k[3] for k in kinds])[0]
                point = self.point_in(grid, centre, 80)
                building_name = f"{b}号楼"
                building_id = self.buildings.add(*self.placed(grid, *point), estate_id, building_name, floors)
                for unit in range(1, units + 1):
                    for floor in range(1, floors + 1):
                        for room in range(1, rooms + 1):
                            room_no = f"{floor}{room:02d}"
                            address = f"{estate_address}{name}{building_name}{unit}单元{room_no}"
                            pk = self.dwellings.add(*self.placed(grid, *point), building_id, f"{unit}单元", room_no,
                                                    address, f"{MARKER}{grid.area.code}-{len(self.dwellings) + 1}")
                            dwellings.append((pk, address))
                if len(dwellings) >= needed:
                    break
        return dwellings

    def _village_dwellings(self, grid: Grid, needed: int) -> list[tuple[int, str]]:
        """Courtyard houses around one to three settlements: 董庄村3组17号."""
        rng = self.rng
        village = community_short_name(grid.community.name)
        if not village.endswith("村"):
            village = grid.area.name.removesuffix("网格")
        centres = [self.point_in(grid) for _ in range(rng.randint(1, 3))]
        per_group = rng.randint(40, 80)
        dwellings = []
        for n in range(needed):
            group, number = divmod(n, per_group)
            point = self.point_in(grid, centres[group % len(centres)], 180)
            address = f"{village}{group + 1}组{number + 1}号"
            pk = self.dwellings.add(*self.placed(grid, *point), None, "", "", address,
                                    f"{MARKER}{grid.area.code}-{len(self.dwellings) + 1}")
            dwellings.append((pk, address))
        return dwellings

    def shopfront(self, grid: Grid) -> tuple[int, str, tuple[float, float]]:
        """A street-facing unit (门面) for a shop or an office: its own dwelling, no building."""
        rng = self.rng
        if grid.urban:
            address = f"{rng.choice(grid.roads)}{rng.randrange(1, 600)}号"
        else:
            village = community_short_name(grid.community.name)
            address = f"{village}{rng.randrange(1, 6)}组{rng.randrange(1, 90)}号"
        point = self.point_in(grid)
        pk = self.dwellings.add(*self.placed(grid, *point), None, "", "", address,
                                f"{MARKER}{grid.area.code}-{len(self.dwellings) + 1}")
        return pk, address, point

    # -- households ------------------------------------------------------------------------

    def _grid(self, grid: Grid) -> None:
        """The people of one grid, household by household, and the dwellings they live in."""
        shapes = []
        left = grid.people
        while left > 0:
            members, status = self._household_shape(grid.urban)
            members = members[:left]
            if members[0].relation != Relation.HEAD:  # pragma: no cover - shapes start with the head
                members[0].relation = Relation.HEAD
            shapes.append((members, status))
            left -= len(members)
        needed = len(shapes)
        if grid.urban:
            dwellings = self._urban_dwellings(grid, int(needed / (1 - VACANCY)) + 1)
        else:
            dwellings = self._village_dwellings(grid, int(needed * 1.05) + 1)
        self.rng.shuffle(dwellings)
        for n, ((members, status), (dwelling_id, address)) in enumerate(zip(shapes, dwellings, strict=False), 1):
            self._household(grid, n, members, status, dwelling_id, address)

    def _household_shape(self, urban: bool) -> tuple[list[Member], str]:
        """The members (relation to the head, age, sex) of one household, and its residence status."""
        rng = self.rng
        r = rng.random()
        if urban:
            status = (ResidenceStatus.REGISTERED if r < 0.58 else ResidenceStatus.PERMANENT if r < 0.78
                      else ResidenceStatus.FLOATING)
        else:
            status = (ResidenceStatus.REGISTERED if r < 0.86 else ResidenceStatus.PERMANENT if r < 0.93
                      else ResidenceStatus.FLOATING)
        if status == ResidenceStatus.FLOATING:
            return self._floating_shape(), status
        size = rng.choices((1, 2, 3, 4, 5, 6), weights=(14, 25, 25, 18, 11, 7))[0]
        head_male = rng.random() < 0.78
        t = rng.random()

        def couple(age_low, age_high, mode=None) -> list[Member]:
            age = round(rng.triangular(age_low, age_high, mode if mode is not None else (age_low + age_high) / 2))
            spouse = max(18, age + rng.randint(-5, 2) if head_male else age + rng.randint(-2, 5))
            return [Member(Relation.HEAD, age, head_male), Member(Relation.SPOUSE, spouse, not head_male)]

        def children(parent_age: int, n: int, relation=Relation.CHILD) -> list[Member]:
            out, age = [], parent_age - rng.randint(22, 34)
            for _ in range(n):
                if age < 0:
                    age = rng.randint(0, 3)
                out.append(Member(relation, age, rng.random() < 0.52))
                age -= rng.randint(2, 8)
            return out

        def parents(child_age: int, n: int) -> list[Member]:
            age = child_age + rng.randint(24, 32)
            first = Member(Relation.PARENT, min(age, 98), rng.random() < 0.45)
            if n == 1:
                return [first]
            return [Member(Relation.PARENT, min(age, 98), True),
                    Member(Relation.PARENT, min(age + rng.randint(-4, 1), 98), False)]

        if size == 1:
            if t < 0.30:
                age = min(65 + int(rng.expovariate(1 / 9)), 100)
                return [Member(Relation.HEAD, age, rng.random() < 0.38)], status
            return [Member(Relation.HEAD, round(rng.triangular(20, 64, 30)), rng.random() < 0.55)], status
        if size == 2:
            if t < 0.26:
                return couple(60, 90, 68), status
            if t < 0.50:
                return couple(22, 35, 27), status
            if t < 0.85:
                return couple(45, 64, 55), status
            parent = Member(Relation.HEAD, round(rng.triangular(28, 55, 40)), rng.random() < 0.3)
            return [parent, *children(parent.age, 1)], status
        if not urban and size in (3, 4) and t < 0.07:  # grandparents raising grandchildren (parents away)
            c = couple(50, 72, 58)
            grandkids = children(c[0].age - rng.randint(22, 30), size - 2, Relation.GRANDCHILD)
            for kid in grandkids:
                kid.age, kid.left_behind = min(kid.age, 15), True
            return [*c, *grandkids], status
        if size == 3:
            if t < 0.80:
                c = couple(26, 55, 38)
                return [*c, *children(c[0].age, 1)], status
            if t < 0.90:
                c = couple(58, 80, 65)
                kid = Member(Relation.CHILD, min(rng.randint(25, 40), c[0].age - 22), rng.random() < 0.5)
                return [*c, kid], status
            parent = Member(Relation.HEAD, round(rng.triangular(28, 50, 36)), rng.random() < 0.3)
            return [parent, *children(parent.age, 1), *parents(parent.age, 1)], status
        if size == 4:
            c = couple(28, 52, 38)
            if t < 0.55:
                return [*c, *children(c[0].age, 2)], status
            return [*c, *children(c[0].age, 1), *parents(c[0].age, 1)], status
        if t < 0.35:  # three generations, the grandfather at the head
            c = couple(55, 80, 64)
            son = Member(Relation.CHILD, c[0].age - rng.randint(24, 32), True)
            daughter_in_law = Member(Relation.OTHER, son.age + rng.randint(-4, 2), False)
            grandkids = children(son.age, size - 4, Relation.GRANDCHILD)
            return [*c, son, daughter_in_law, *grandkids], status
        c = couple(30, 50, 40)
        kids = children(c[0].age, size - 4)
        return [*c, *kids, *parents(c[0].age, 2)], status

    def _floating_shape(self) -> list[Member]:
        """Migrant workers: young singles, young couples with a child, shared rentals."""
        rng = self.rng
        t = rng.random()
        age = round(rng.triangular(18, 50, 28))
        male = rng.random() < 0.6
        if t < 0.35:
            return [Member(Relation.HEAD, age, male)]
        if t < 0.55:
            return [Member(Relation.HEAD, age, male), Member(Relation.SPOUSE, max(18, age + rng.randint(-3, 3)),
                                                             not male)]
        if t < 0.80:
            head = Member(Relation.HEAD, max(age, 24), True)
            kid_age = max(0, head.age - rng.randint(22, 30))
            return [head, Member(Relation.SPOUSE, max(20, head.age + rng.randint(-4, 1)), False),
                    Member(Relation.CHILD, min(kid_age, 14), rng.random() < 0.52)]
        mates = rng.randint(2, 4)
        return [Member(Relation.HEAD, age, male)] + [
            Member(Relation.TENANT, round(rng.triangular(18, 40, 25)), male) for _ in range(mates)]

    def _household(self, grid: Grid, n: int, members: list[Member], status: str, dwelling_id: int,
                   address: str) -> None:
        rng = self.rng
        household_id = self.households.next_id
        head_id = self.people.next_id  # the head is the first member written
        self.households.add(*self.placed(grid), f"{grid.area.code[6:]}{n:04d}", dwelling_id, head_id)
        self.stats.households += 1
        family = self.surname()
        origin = self.origin() if status != ResidenceStatus.REGISTERED else ""
        moved_in = self.today - dt.timedelta(days=rng.randrange(30, 365 * (3 if status == ResidenceStatus.FLOATING
                                                                            else 25)))
        father = family if members[0].male else None  # whose surname the children take
        for member in members:
            relation = member.relation
            if relation in (Relation.HEAD, Relation.SIBLING) or (relation == Relation.PARENT and member.male):
                surname = family
            elif relation in (Relation.CHILD, Relation.GRANDCHILD):
                father = father or self.surname()
                surname = father
            else:  # spouse, mother, in-law, tenant: their own
                surname = self.surname()
                if relation == Relation.SPOUSE and member.male:
                    father = surname
            self._one(grid, household_id, dwelling_id, address, member, surname, status, origin, moved_in,
                      len(members))

    def origin(self) -> str:
        return self.rng.choices(ORIGIN_CODES, cum_weights=ORIGIN_WEIGHTS)[0]

    def _one(self, grid: Grid, household_id: int, dwelling_id: int, address: str, member: Member, surname: str,
             status: str, origin: str, moved_in: dt.date, size: int) -> None:
        rng = self.rng
        birth = self.birth_date(member.age)
        given = self.given_name(birth.year, member.male)
        name = surname + given
        pinyin, initials = self.pinyin(surname, given)
        if status == ResidenceStatus.REGISTERED:  # a few were born elsewhere and moved their 户籍 here
            region = self.district.code if rng.random() >= 0.06 else self.origin()
        else:
            region = origin
        person = self._person
        while True:  # unique among everyone registered (the database has a constraint)
            number = synthetic_id_number(region, birth, member.male, rng, self.used_ids)
            person.set_id_number(number)
            if person.id_number_index not in self.taken_id_indexes:
                break
        age = member.age
        has_phone = (age >= 16 and rng.random() < (0.96 if age < 70 else 0.72)) or (12 <= age < 16 and
                                                                                    rng.random() < 0.3)
        phone = synthetic_phone(rng, self.used_phones) if has_phone else ""
        person.set_phone(phone)
        pk = self.people.add(
            *self.placed(grid), name, pinyin, initials, Gender.MALE if member.male else Gender.FEMALE, birth,
            IdType.ID_CARD, person.id_number_enc, person.id_number_index, person.id_number_last4, person.phone_enc,
            person.phone_index, person.phone_tail_index, status, dwelling_id, household_id, member.relation,
            address[:200], None, False,
        )
        self.residences.add(pk, dwelling_id, household_id, member.relation, max(moved_in, birth), None)
        if self.keep_every and pk % self.keep_every == 0:
            self.kept[pk] = (number, phone)
        self.stats.statuses[status] += 1
        band = "0-14" if age < 15 else "15-59" if age < 60 else "60-64" if age < 65 else "65+"
        self.stats.ages[band] += 1
        self._people_info.append((pk, grid, birth, member.male, household_id))
        self._household_members[household_id].append(pk)
        if age >= 65 and size == 1:
            self._elderly_alone.append((pk, grid, birth))
        if age >= 60 and size == 2 and member.relation in (Relation.HEAD, Relation.SPOUSE):
            self._empty_nest.append((pk, grid, birth))
        if member.left_behind:
            self._left_behind.append((pk, grid, birth))

    # -- special groups --------------------------------------------------------------------

    def _tag(self, person_id: int, grid: Grid, birth: dt.date, kind: str) -> None:
        rng = self.rng
        earliest = max(birth + dt.timedelta(days=30), self.today - dt.timedelta(days=365 * 8))
        span = max((self.today - earliest).days, 1)
        starts_on = earliest + dt.timedelta(days=rng.randrange(span))
        self._scratch_tag.set_kind(kind)
        carer = grid.worker_id if kind in CARED_KINDS else None
        self.tags.add(person_id, self._scratch_tag.kind_enc, self._scratch_tag.kind_index, starts_on, None, carer, grid.area.path,
                      grid.area.district_code)
        self.stats.tags[kind] += 1

    def _special_groups(self) -> None:
        rng = self.rng
        info = self._people_info
        today = self.today

        def age_of(birth: dt.date) -> int:
            return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))

        def pick(candidates, n):
            return rng.sample(candidates, min(n, len(candidates)))

        seniors = sum(1 for _, _, birth, _, _ in info if age_of(birth) >= 65)
        for pk, grid, birth in pick(self._elderly_alone, round(0.03 * seniors)):
            self._tag(pk, grid, birth, SG.ELDERLY_ALONE)
        for pk, grid, birth in pick(self._empty_nest, round(0.3 * len(self._empty_nest))):
            self._tag(pk, grid, birth, SG.EMPTY_NEST)
        for pk, grid, birth in self._left_behind:
            self._tag(pk, grid, birth, SG.LEFT_BEHIND_CHILD)
        # low income (低保): whole households, until ~1.5 % of the people
        households = list(self._household_members)
        rng.shuffle(households)
        by_id = {pk: (grid, birth) for pk, grid, birth, _, _ in info}
        target, covered = round(0.015 * len(info)), 0
        for household_id in households:
            if covered >= target:
                break
            for pk in self._household_members[household_id]:
                grid, birth = by_id[pk]
                self._tag(pk, grid, birth, SG.LOW_INCOME)
                covered += 1
        # per person, with an age profile
        for pk, grid, birth, male, _ in info:
            age = age_of(birth)
            r = rng.random()
            disabled = 0.008 if age < 18 else 0.014 if age < 60 else 0.04
            if r < disabled:
                self._tag(pk, grid, birth, SG.DISABLED)
            r = rng.random()
            if age >= 15 and r < 0.0035:
                self._tag(pk, grid, birth, SG.SEVERE_MENTAL_ILLNESS)
            if 18 <= age <= 65:
                r = rng.random()
                weight = 1.7 if male else 0.3
                if r < 0.00025 * weight:
                    self._tag(pk, grid, birth, SG.COMMUNITY_CORRECTION)
                elif r < 0.00085 * weight:
                    self._tag(pk, grid, birth, SG.RELEASED_PRISONER)
                elif r < 0.0011 * weight:
                    self._tag(pk, grid, birth, SG.DRUG_REHAB)
            if male and age >= 30 and rng.random() < 0.03:
                self._tag(pk, grid, birth, SG.VETERAN)

    # -- organizations ---------------------------------------------------------------------

    def _contact(self) -> tuple[str, str]:
        male = self.rng.random() < 0.6
        name = self.surname() + self.given_name(1960 + self.rng.randrange(45), male)
        return name, self._encrypt_phone(synthetic_phone(self.rng, self.used_phones))

    def _encrypt_phone(self, phone: str) -> str:
        self._person.set_phone(phone)
        return self._person.phone_enc

    def _org(self, grid: Grid, kind: str, name: str, credit_code: str, business_type: str) -> None:
        dwelling_id, address, point = self.shopfront(grid)
        contact, phone = self._contact()
        self.organizations.add(*self.placed(grid, *point), kind, name[:120], credit_code, business_type, address,
                               dwelling_id, contact, phone)
        self.stats.counts[f"organizations: {kind}"] += 1

    def _count(self, expected: float) -> int:
        whole = int(expected)
        return whole + (1 if self.rng.random() < expected - whole else 0)

    def _organizations(self, grid: Grid) -> None:
        rng, region = self.rng, self.district.code
        people = grid.people
        # shops and storefronts (门头): individual businesses (92…), some small companies (91…)
        types = SHOP_TYPES if grid.urban else RURAL_SHOP_TYPES
        names = list(types)
        weights = [v[1] if isinstance(v, tuple) else v for v in types.values()]
        for _ in range(self._count(people / (55 if grid.urban else 180))):
            business = rng.choices(names, weights=weights)[0]
            patterns = (None if grid.urban else RURAL_SHOP_NAMES.get(business)) or SHOP_TYPES[business][0]
            name = rng.choice(patterns).format(w=rng.choice(SHOP_WORDS), s=self.surname())
            code = synthetic_credit_code("9", "2" if rng.random() < 0.85 else "1", region, rng, self.used_codes)
            self._org(grid, OrganizationKind.SHOP, name, code, business)
        # enterprises
        for _ in range(self._count(people / (250 if grid.urban else 900))):
            word, (trade, business) = rng.choice(ENTERPRISE_WORDS), rng.choice(ENTERPRISE_TRADES)
            city = "鹤壁市" if rng.random() < 0.5 else "鹤壁"
            name = f"{city}{word}{trade}{rng.choice(COMPANY_FORMS)}"
            if name in self.used_names:
                name = f"{city}{word}{trade}{rng.choice(('', '第二', '分'))}公司"
            self.used_names.add(name)
            self._org(grid, OrganizationKind.ENTERPRISE, name,
                      synthetic_credit_code("9", "1", region, rng, self.used_codes), business)
        # resident organizations (驻区单位): schools, clinics, offices, bank branches
        community = community_short_name(grid.community.name)
        stem = street_stem(grid.street.name)
        for _ in range(self._count(people / 1500)):
            choice = rng.random()
            if choice < 0.3:
                name, business, authority, kind = f"{community}幼儿园", "学前教育", "5", "2"
            elif choice < 0.5:
                name, business, authority, kind = f"{stem}小学", "教育", "1", "2"
            elif choice < 0.65:
                name, business, authority, kind = f"{stem}社区卫生服务站", "卫生", "1", "2"
            elif choice < 0.8:
                name, business, authority, kind = f"{stem}派出所{community}警务室", "公安", "1", "1"
            else:
                name = f"{rng.choice(('农村商业银行', '邮政储蓄银行', '工商银行', '建设银行'))}{stem}支行"
                business, authority, kind = "金融", "9", "1"
            self._org(grid, OrganizationKind.RESIDENT_ORG, name,
                      synthetic_credit_code(authority, kind, region, rng, self.used_codes), business)
        # social organizations
        for _ in range(self._count(people / 2500)):
            pattern, business = rng.choice(SOCIAL_ORGS)
            self._org(grid, OrganizationKind.SOCIAL_ORG, pattern.format(c=community),
                      synthetic_credit_code("5", rng.choice("12"), region, rng, self.used_codes), business)
        # construction sites (the builder's credit code)
        for _ in range(self._count(people / 5000 if grid.urban else people / 20000)):
            pattern, business = rng.choice(SITE_KINDS)
            estate = rng.choice(ESTATE_HEADS) + rng.choice(ESTATE_TAILS)
            name = pattern.format(e=estate, r=rng.choice(grid.roads) if grid.urban else community)
            self._org(grid, OrganizationKind.CONSTRUCTION_SITE, name,
                      synthetic_credit_code("9", "1", region, rng, self.used_codes), business)

    # -- components ------------------------------------------------------------------------

    def _components(self, grid: Grid, departments: dict[str, int]) -> None:
        """Components (部件) by type, more in bigger grids (an urban grid of ~1,000 people: ~75)."""
        rng = self.rng
        states = [s for s, _ in COMPONENT_STATES]
        weights = [w for _, w in COMPONENT_STATES]
        factor = min(max(grid.people / 1000, 0.2), 3.0)
        for type_code, name, owner, maintainer, urban_rate, village_rate in COMPONENT_TYPES:
            for _ in range(self._count((urban_rate if grid.urban else village_rate) * factor)):
                code = ""
                while not code or code in self.used_component_codes:
                    self._serials[type_code] += 1
                    code = f"{self.district.code}{type_code}{self._serials[type_code]:06d}"
                self.used_component_codes.add(code)
                point = self.point_in(grid)
                self.components.add(*self.placed(grid, *point), type_code, name, code, departments.get(owner),
                                    departments.get(maintainer), rng.choices(states, weights=weights)[0])


# --- loading ----------------------------------------------------------------------------------


@dataclass
class RegistryResult:
    district: str
    existing: int = 0
    deleted: int = 0
    seconds: float = 0.0
    stats: Stats = field(default_factory=Stats)


def resolve_district(code: str | None) -> Area:
    districts = Area.objects.filter(level=Level.DISTRICT)
    if code:
        district = districts.filter(code=code).first()
    else:
        district = districts.first() if districts.count() == 1 else districts.filter(code=DEFAULT_DISTRICT).first()
    if district is None:
        raise ValueError(f"district {code or DEFAULT_DISTRICT} is not loaded: run manage.py load_demo first")
    return district


def demo_people(district_code: str):
    return Person.objects.filter(district_code=district_code, dwelling__external_key__startswith=MARKER)


def district_grids(district: Area) -> list[Grid]:
    """The finest areas (grids, cells) with a boundary, each with its street, community and roads."""
    areas = list(Area.objects.filter(district_code=district.code).exclude(boundary=None).order_by("path"))
    by_id = {a.pk: a for a in areas}
    parents = {a.parent_id for a in areas}
    workers: dict[int, int] = {}
    duties = (StaffAssignment.objects.active().filter(district_code=district.code)
              .filter(duty__in=[Duty.FULL_TIME_WORKER, Duty.GRID_CHIEF]).order_by("-duty", "id"))
    for area_id, user_id, duty in duties.values_list("area_id", "user_id", "duty"):
        if duty == Duty.FULL_TIME_WORKER or area_id not in workers:
            workers[area_id] = user_id
    grids = []
    for area in areas:
        if area.level not in (Level.GRID, Level.CELL) or area.pk in parents:
            continue
        chain = [by_id.get(i) for i in area.ancestor_ids()]
        street = next((a for a in chain if a is not None and a.level == Level.STREET), area)
        community = next((a for a in chain if a is not None and a.level == Level.COMMUNITY), area)
        urban = street.name.endswith("街道") and not community.name.endswith(("村委会", "村"))
        rng = random.Random(f"roads:{area.code}")
        polygon = geo.parse_geometry(area.boundary)
        shapely.prepare(polygon)
        grids.append(Grid(area=area, polygon=polygon, urban=urban, weight=float(area.households or 300),
                          street=street, community=community, worker_id=workers.get(area.pk),
                          roads=rng.sample(ROADS, 4)))
    return grids


def _department_ids(district: Area) -> dict[str, int]:
    """Department kind → id of the district-level department of that kind."""
    found: dict[str, int] = {}
    for kind, pk, area_id in (Department.objects.filter(district_code=district.code, is_active=True)
                              .order_by("code").values_list("kind", "id", "area_id")):
        if area_id == district.pk or kind not in found:
            found[kind] = pk
    return found


def _max_ids(models_: list[type[models.Model]]) -> dict:
    with connection.cursor() as cursor:
        out = {}
        for model in models_:
            cursor.execute(f"SELECT MAX(id) FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608
            out[model] = cursor.fetchone()[0] or 0
        return out


def _columns(table: Table) -> tuple[list[models.Field], list]:
    """The fields of the table's rows, then any other concrete field of the model (one added after
    this generator was written) with its default: (fields, default values of the extra ones)."""
    meta = table.model._meta
    by_attname = {f.attname: f for f in meta.concrete_fields}
    fields = [by_attname[name] for name in table.fields]
    extra, defaults = [], []
    for f in meta.concrete_fields:
        if f.attname in table.fields:
            continue
        if not (f.has_default() or f.null or getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)):
            raise RuntimeError(f"registry/demo.py does not know {meta.label}.{f.name}, which has no default")
        value = timezone.now() if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) else (
            f.get_default() if f.has_default() else None)
        extra.append(f)
        defaults.append(f.get_db_prep_save(value, connection))
    return fields + extra, defaults


def _write(table: Table) -> None:
    if not table.rows:
        return
    ops = connection.ops
    fields, defaults = _columns(table)
    columns = ", ".join(ops.quote_name(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {ops.quote_name(table.model._meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608
    adapters = []
    for i, f in enumerate(fields[: len(table.fields)]):
        if isinstance(f, models.DateTimeField):
            adapters.append((i, ops.adapt_datetimefield_value))
        elif isinstance(f, models.DateField):
            adapters.append((i, ops.adapt_datefield_value))
    rows = table.rows
    if adapters or defaults:
        adapted = []
        cache: dict = {}
        for row in rows:
            row = list(row)
            for i, adapt in adapters:
                value = row[i]
                if value is not None:
                    key = (i, value)
                    if key not in cache:
                        cache[key] = adapt(value)
                    row[i] = cache[key]
            row.extend(defaults)
            adapted.append(row)
        rows = adapted
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            cursor.executemany(sql, rows[start : start + BATCH])


@contextlib.contextmanager
def _big_cache():
    """SQLite: a 256 MiB page cache while the rows go in (the default 2 MiB makes every insert into
    the people's dozen indexes, hashes in random order, go to the disk)."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        cursor.execute("PRAGMA cache_size = -262144")
        try:
            yield
        finally:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


def _lock(models_) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in models_:
                cursor.execute(f"LOCK TABLE {connection.ops.quote_name(model._meta.db_table)} IN EXCLUSIVE MODE")


def _reset_sequences(models_) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), models_)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


COMPONENT_CODE = re.compile(r"^\d{6}(" + "|".join(code for code, *_ in COMPONENT_TYPES) + r")\d{6}$")


def delete_demo_registry(district_code: str) -> int:
    """Delete what a demo load made in the district: its dwellings and everything on them (the
    households, the people living or having lived there with their tags and residences, the
    organizations), the estates and buildings left empty, and its components. Raw deletes in
    dependency order (the ORM's cascade would load every row); returns the number of people."""
    from registry.models import HouseholdAssignment

    alias = connection.alias
    dwellings = Dwelling.objects.filter(district_code=district_code, external_key__startswith=MARKER)
    households = Household.objects.filter(dwelling__in=dwellings.values("id"))
    lived_there = Residence.objects.filter(dwelling__in=dwellings.values("id")).values("person_id")
    people = Person.objects.filter(district_code=district_code).filter(
        Q(dwelling__in=dwellings.values("id")) | Q(household__in=households.values("id")) | Q(id__in=lived_there))
    person_ids = list(people.values_list("id", flat=True))
    building_ids = list(dwellings.exclude(building=None).values_list("building_id", flat=True).distinct())
    estate_ids = list(Building.objects.filter(id__in=building_ids).exclude(estate=None)
                      .values_list("estate_id", flat=True).distinct())
    _release_references(Person, person_ids)
    _release_references(Household, list(households.values_list("id", flat=True)))
    for start in range(0, len(person_ids), 500):
        chunk = person_ids[start : start + 500]
        SpecialGroupTag.objects.filter(person_id__in=chunk)._raw_delete(alias)
        Residence.objects.filter(person_id__in=chunk)._raw_delete(alias)
    Household.objects.filter(head_id__in=people.values("id")).update(head=None)
    Household.objects.filter(id__in=households.values("id")).update(head=None)
    HouseholdAssignment.objects.filter(household__in=households.values("id")).delete()
    Residence.objects.filter(Q(dwelling__in=dwellings.values("id")) | Q(household__in=households.values("id"))
                             ).update(dwelling=None, household=None)
    Organization.objects.filter(dwelling__in=dwellings.values("id"), district_code=district_code)._raw_delete(alias)
    Organization.objects.filter(dwelling__in=dwellings.values("id")).update(dwelling=None)
    for start in range(0, len(person_ids), 500):
        Person.objects.filter(id__in=person_ids[start : start + 500])._raw_delete(alias)
    Person.objects.filter(Q(dwelling__in=dwellings.values("id")) | Q(household__in=households.values("id"))
                          ).update(dwelling=None, household=None)
    Household.objects.filter(dwelling__in=dwellings.values("id"))._raw_delete(alias)
    dwellings._raw_delete(alias)
    for start in range(0, len(building_ids), 500):
        Building.objects.filter(id__in=building_ids[start : start + 500], dwellings=None)._raw_delete(alias)
    for start in range(0, len(estate_ids), 500):
        Estate.objects.filter(id__in=estate_ids[start : start + 500], buildings=None)._raw_delete(alias)
    Component.objects.filter(district_code=district_code, code__regex=COMPONENT_CODE.pattern)._raw_delete(alias)
    return len(person_ids)


def _release_references(model, ids: list[int]) -> None:
    """Rows of other apps that point at these with on_delete=SET_NULL (a dispute's party, a grid task's
    item) let go first: the raw deletes below skip the ORM's on_delete."""
    relations = [f for f in model._meta.get_fields(include_hidden=True)  # related_name="+" ones too
                 if (f.one_to_many or f.one_to_one) and f.auto_created and not f.concrete]
    for relation in relations:
        other = relation.related_model
        if other._meta.app_label == "registry" or relation.on_delete is not models.SET_NULL:
            continue
        from core.sql import id_set

        other._base_manager.filter(**{f"{relation.field.name}__in": id_set(ids)}).update(**{relation.field.name: None})


LABELS = {Estate: "estates", Building: "buildings", Dwelling: "dwellings", Household: "households",
          Person: "residents", Residence: "residences", SpecialGroupTag: "special-group tags",
          Organization: "organizations", Component: "components"}
WRITTEN = [Estate, Building, Dwelling, Household, Person, Residence, SpecialGroupTag, Organization, Component]


def build(district: Area, count: int, seed: int = DEFAULT_SEED, base_ids: dict | None = None,
          taken: Taken | None = None, keep_every: int = 0) -> Generator:
    """Generate (in memory) the demo registry of a loaded district."""
    grids = district_grids(district)
    if not grids:
        raise ValueError(f"{district.name} has no grids with a boundary: run manage.py load_demo first")
    generator = Generator(district, count, seed, base_ids=base_ids, taken=taken, keep_every=keep_every)
    generator.generate(grids, _department_ids(district))
    return generator


def load_demo_registry(district_code: str | None = None, count: int = DEFAULT_COUNT, *, reset: bool = False,
                       seed: int = DEFAULT_SEED) -> RegistryResult:
    """Load the demo registry into a district loaded by load_demo, all of it in one transaction."""
    started = time.monotonic()
    district = resolve_district(district_code)
    result = RegistryResult(district=district.code)
    with transaction.atomic():
        existing = demo_people(district.code).count()
        if existing and not reset:
            result.existing = existing
            return result
        if existing or reset:
            result.deleted = delete_demo_registry(district.code)
        _lock(WRITTEN)
        generator = build(district, count, seed, base_ids=_max_ids(WRITTEN), taken=Taken.load(district.code))
        with _big_cache():
            for table in generator.tables():
                _write(table)
        _reset_sequences(WRITTEN)
    result.stats = generator.stats
    result.seconds = time.monotonic() - started
    return result
