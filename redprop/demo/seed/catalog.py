"""The four places of the source articles, as data (docs: /work/shared/DOMAIN.md).

- 嘉峪关市: one red property company serves 19 compounds (article 000; the
  article's company is 和诚物业, here the 19 go to a red service centre and
  和诚/锦源 stay commercial); 祁连社区; old compounds; 业主自治 and a compound
  where the community provides the safeguard service.
- 濮阳市: 10 pilot projects, companies with 3+ party members form a branch:
  3 branches (article 001); a compound with no management unit (政府兜底).
- 武汉市东西湖区径河街道: 径河红色物业公司, 稻香社区 (稻香苑, 鑫海花城东区 abandoned by
  its company and taken over by the red company in 2017), 海景北社区 (commercial
  compounds with a 红色物业共建协议书, open 村湾, 90 party members and 280
  volunteers), 236 staff hired from land-lost farmers (article 002).
- 南宁市江南区二桥西社区: 富宁新兴苑 and 家园物业, 1+1+1+N grids, old compounds, one
  abandoned compound (社区兜底), one self-managed compound (article 003).

Counts are for scale 1; ``plan.py`` scales them. Region codes: cities and
districts use their GB/T 2260 codes; streets and communities append 3-digit
sequence numbers in the style of the statistical division codes (not the real ones).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from redprop.orgs.choices import CompanyType
from redprop.territory.choices import CompoundKind as K
from redprop.territory.choices import ManagementType as M

Range = tuple[int, int]


@dataclass(frozen=True)
class CompanySpec:
    key: str
    name: str
    company_type: str
    # Party members among the company's professional staff at every scale: with
    # 3 or more the project forms its own branch (orgs.choices.BRANCH_MIN_MEMBERS).
    party_staff: int = 0
    # Where the company is registered: "city", "district" or "street".
    place: str = "district"


@dataclass(frozen=True)
class CompoundSpec:
    """A compound type: ``name`` is fixed for a named compound, empty for fillers."""

    kind: str
    management: str
    company: str | None = None
    name: str = ""
    buildings: Range = (2, 3)
    floors: Range = (5, 6)
    entrances: Range = (2, 2)
    per_floor: int = 2
    # A 村湾 has no apartment blocks: its "buildings" are 村民小组 of this many houses.
    houses: Range = (0, 0)
    built: Range = (1986, 1999)
    area: Range = (52, 88)
    owners_committee: bool = False
    developer: str | None = None
    pilot: bool = False
    # Earlier service periods, oldest first: (year, management type, company key).
    history: tuple[tuple[int, str, str | None], ...] = ()


@dataclass(frozen=True)
class Filler:
    """``count`` more compounds of a kind (at scale 1), named by ``plan.py``."""

    count: int
    spec: CompoundSpec


@dataclass(frozen=True)
class CommunitySpec:
    name: str
    compounds: tuple[CompoundSpec, ...]
    fillers: tuple[Filler, ...] = ()
    grids: Range = (2, 4)
    # Volunteers registered in the community's grids at scale 1 (None: 6–12 per grid).
    volunteers: int | None = None


@dataclass(frozen=True)
class StreetSpec:
    name: str
    communities: tuple[CommunitySpec, ...]


@dataclass(frozen=True)
class CitySpec:
    key: str
    name: str
    code: str
    district: str
    district_code: str
    streets: tuple[StreetSpec, ...]
    companies: tuple[CompanySpec, ...]
    developers: dict[str, str]
    housing_bureau: str
    roads: tuple[str, ...]
    # Region codes for ID numbers with their weights; the first code that the
    # GB 11643 table knows for the person's birth year is used, then ``id_fallback``.
    id_codes: tuple[tuple[str, int], ...]
    id_fallback: tuple[str, ...]
    heating: bool  # northern cities have a district heating company
    # Extra surnames mixed into Faker's (e.g. Zhuang surnames in Nanning).
    local_surnames: tuple[str, ...] = ()
    # Government offices that back (包联) the grids as 后盾单位.
    backing_units: tuple[str, ...] = field(default=())
    # The year the red company took over its compounds.
    red_since: int = 2018
    # Local words for the names of old compounds, beside the common ones.
    old_words: tuple[str, ...] = ()


# --- compound types ------------------------------------------------------------------
OLD = CompoundSpec(K.OLD, M.RED, buildings=(2, 3), floors=(5, 6), built=(1985, 1999))
COMMODITY = CompoundSpec(
    K.COMMODITY,
    M.COMMERCIAL,
    buildings=(3, 4),
    floors=(6, 11),
    built=(2004, 2016),
    area=(78, 140),
)
RESETTLEMENT = CompoundSpec(
    K.RESETTLEMENT,
    M.RED,
    buildings=(3, 4),
    floors=(11, 18),
    built=(2009, 2016),
    area=(60, 118),
)
VILLAGE = CompoundSpec(
    K.VILLAGE, M.RED, buildings=(2, 3), floors=(2, 3), houses=(18, 30), area=(95, 140)
)
DORMITORY = CompoundSpec(K.DORMITORY, M.RED, buildings=(2, 3), floors=(5, 6), built=(1980, 1995))


def named(base: CompoundSpec, name: str, **changes: object) -> CompoundSpec:
    from dataclasses import replace

    return replace(base, name=name, **changes)  # type: ignore[arg-type]


def filler(count: int, base: CompoundSpec, **changes: object) -> Filler:
    from dataclasses import replace

    return Filler(count, replace(base, **changes))  # type: ignore[arg-type]


# --- 嘉峪关市 -------------------------------------------------------------------------
JIAYUGUAN = CitySpec(
    key="jiayuguan",
    name="嘉峪关市",
    code="620200",
    district="雄关区",
    district_code="620201",
    streets=(
        StreetSpec(
            "五一街道",
            (
                CommunitySpec(
                    "祁连社区",
                    (
                        named(OLD, "祁连小区", company="jyg_red"),
                        named(OLD, "镜铁小区", company="jyg_red"),
                        named(
                            COMMODITY,
                            "锦源花园",
                            company="jinyuan",
                            owners_committee=True,
                            developer="jyg",
                        ),
                    ),
                    (filler(5, OLD, company="jyg_red"),),
                ),
                CommunitySpec(
                    "朝阳社区",
                    (
                        named(OLD, "朝阳小区", company="jyg_red"),
                        named(DORMITORY, "建设街区家属院", company="jyg_red"),
                        named(
                            COMMODITY,
                            "和诚家园",
                            company="hecheng",
                            owners_committee=True,
                            developer="jyg",
                        ),
                    ),
                    (filler(5, OLD, company="jyg_red"),),
                ),
                CommunitySpec(
                    "长城社区",
                    (
                        # 业主自治 and 社区提供保障性服务 for compounds without service.
                        named(
                            OLD,
                            "长城小区",
                            management=M.SELF_MANAGED,
                            owners_committee=True,
                        ),
                        named(OLD, "胜利小区", management=M.NONE),
                    ),
                    (
                        filler(5, OLD, company="jyg_red"),
                        filler(1, COMMODITY, company="hecheng", developer="jyg"),
                    ),
                ),
            ),
        ),
    ),
    companies=(
        CompanySpec("jyg_red", "嘉峪关红色物业服务中心", CompanyType.RED, 5, place="city"),
        CompanySpec("jinyuan", "嘉峪关锦源物业服务有限公司", CompanyType.COMMERCIAL, 2),
        CompanySpec("hecheng", "甘肃中核和诚物业管理有限公司", CompanyType.COMMERCIAL, 3),
    ),
    developers={"jyg": "嘉峪关雄关置业有限公司"},
    housing_bureau="嘉峪关市住房和城乡建设局",
    roads=("新华中路", "五一路", "胜利路", "建设路", "兰新西路", "雄关东路", "迎宾路"),
    id_codes=(("620200", 70), ("620900", 10), ("620100", 8), ("620300", 6), ("622900", 6)),
    id_fallback=("620200",),
    heating=True,
    backing_units=("雄关区人民法院", "雄关区税务局"),
    red_since=2019,
    old_words=("峪苑", "嘉北", "铁南", "兰新", "酒钢", "雄关"),
)

# --- 濮阳市 ---------------------------------------------------------------------------
# The 10 pilot projects, one per company. 龙都物业, 华龙物业 and 金盾物业 have 3+ party
# members among their staff and so form the three branches the article reports,
# one under each community's party committee; the others' members join the committee.
_PY_PILOT = (
    ("中原社区", "龙都花园", "longdu", COMMODITY),
    ("中原社区", "昆吾小区", "anyuan", OLD),
    ("中原社区", "油田供水处家属院", "zhongyuan", DORMITORY),
    ("中原社区", "金堤家园", "hengfeng", COMMODITY),
    ("龙都社区", "帝舜苑", "huanglong", COMMODITY),
    ("龙都社区", "戚城小区", "lvzhou", OLD),
    ("龙都社区", "绿城名苑", "jiahe", COMMODITY),
    ("京开社区", "京开花园", "jindun", COMMODITY),
    ("京开社区", "开州小区", "jinhua", OLD),
    ("京开社区", "建业新村", "hongyuan", OLD),
)


def _py_pilots(community: str) -> tuple[CompoundSpec, ...]:
    return tuple(
        named(
            base,
            name,
            management=M.COMMERCIAL,
            company=company,
            pilot=True,
            owners_committee=base.kind == K.COMMODITY,
            developer="py" if base.kind == K.COMMODITY else None,
        )
        for comm, name, company, base in _PY_PILOT
        if comm == community
    )


PUYANG = CitySpec(
    key="puyang",
    name="濮阳市",
    code="410900",
    district="华龙区",
    district_code="410902",
    streets=(
        StreetSpec(
            "胜利路街道",
            (
                CommunitySpec(
                    "中原社区",
                    _py_pilots("中原社区"),
                    (filler(3, OLD, management=M.COMMERCIAL, company="zhongyuan"),),
                ),
                CommunitySpec(
                    "龙都社区",
                    _py_pilots("龙都社区"),
                    (filler(2, COMMODITY, company="longdu", developer="py"),),
                ),
            ),
        ),
        StreetSpec(
            "人民路街道",
            (
                CommunitySpec(
                    "京开社区",
                    (
                        *_py_pilots("京开社区"),
                        # 老旧和无管理单位的住宅区: 政府投入保兜底.
                        named(DORMITORY, "老粮站家属院", management=M.NONE),
                    ),
                    (filler(3, OLD, management=M.COMMERCIAL, company="jinhua"),),
                ),
            ),
        ),
    ),
    companies=(
        CompanySpec("longdu", "濮阳市龙都物业服务有限公司", CompanyType.COMMERCIAL, 4),
        CompanySpec("anyuan", "濮阳市安苑物业管理有限公司", CompanyType.COMMERCIAL, 2),
        CompanySpec("zhongyuan", "濮阳中原物业管理有限公司", CompanyType.COMMERCIAL, 2),
        CompanySpec("hengfeng", "濮阳市恒丰物业服务有限公司", CompanyType.COMMERCIAL, 1),
        CompanySpec("huanglong", "濮阳华龙物业服务有限公司", CompanyType.COMMERCIAL, 3),
        CompanySpec("lvzhou", "濮阳市绿洲物业管理有限公司", CompanyType.COMMERCIAL, 2),
        CompanySpec("jiahe", "濮阳市佳和物业服务有限公司", CompanyType.COMMERCIAL, 1),
        CompanySpec("jindun", "濮阳市金盾物业管理有限公司", CompanyType.COMMERCIAL, 3),
        CompanySpec("jinhua", "濮阳市锦华物业服务有限公司", CompanyType.COMMERCIAL, 1),
        CompanySpec("hongyuan", "濮阳市宏远物业管理有限公司", CompanyType.COMMERCIAL, 2),
    ),
    developers={"py": "濮阳市龙都置业有限公司"},
    housing_bureau="濮阳市住房和城乡建设局",
    roads=("胜利路", "人民路", "中原路", "京开大道", "建设路", "长庆路", "大庆路"),
    id_codes=(("410902", 50), ("410900", 15), ("410928", 12), ("410922", 10), ("410700", 13)),
    id_fallback=("410500", "410700"),
    heating=True,
    backing_units=("华龙区人民法院", "华龙区税务局"),
    old_words=("龙乡", "油田", "石化", "澶州"),
)

# --- 武汉市 东西湖区 径河街道 -----------------------------------------------------------------
WUHAN = CitySpec(
    key="wuhan",
    name="武汉市",
    code="420100",
    district="东西湖区",
    district_code="420112",
    streets=(
        StreetSpec(
            "径河街道",
            (
                CommunitySpec(
                    "稻香社区",
                    (
                        named(RESETTLEMENT, "稻香苑", company="jh_red", buildings=(4, 5)),
                        # Abandoned by 鑫海物业 in 2016, taken over by the red company in 2017.
                        named(
                            COMMODITY,
                            "鑫海花城东区",
                            management=M.RED,
                            company="jh_red",
                            built=(2006, 2008),
                            history=((2008, M.COMMERCIAL, "xinhai"), (2016, M.NONE, None)),
                        ),
                        named(
                            COMMODITY,
                            "鑫海花城西区",
                            company="xinhai",
                            built=(2009, 2011),
                            owners_committee=True,
                            developer="xinhai",
                        ),
                    ),
                    (filler(1, RESETTLEMENT, company="jh_red"),),
                ),
                CommunitySpec(
                    "海景北社区",
                    (
                        named(
                            COMMODITY,
                            "海景北苑",
                            company="haijing",
                            owners_committee=True,
                            developer="haijing",
                        ),
                        named(COMMODITY, "海景花园", company="haijing", developer="haijing"),
                        named(VILLAGE, "张家湾", company="jh_red"),
                        named(VILLAGE, "汪家台", company="jh_red"),
                    ),
                    (filler(1, OLD, company="jh_red"),),
                    volunteers=280,
                ),
                CommunitySpec(
                    "径南社区",
                    (
                        named(RESETTLEMENT, "径河新村一期", company="jh_red"),
                        named(RESETTLEMENT, "径河新村二期", company="jh_red"),
                        named(VILLAGE, "郑家咀", company="jh_red"),
                    ),
                    (
                        filler(1, RESETTLEMENT, company="jh_red"),
                        filler(1, VILLAGE, company="jh_red"),
                    ),
                ),
            ),
        ),
    ),
    companies=(
        CompanySpec("jh_red", "径河红色物业公司", CompanyType.RED, 6, place="street"),
        CompanySpec("xinhai", "武汉鑫海物业服务有限公司", CompanyType.COMMERCIAL, 1),
        CompanySpec("haijing", "武汉海景物业管理有限公司", CompanyType.COMMERCIAL, 2),
    ),
    developers={"xinhai": "武汉鑫海置业有限公司", "haijing": "武汉海景房地产开发有限公司"},
    housing_bureau="武汉市住房保障和房屋管理局",
    roads=("径河路", "临空港大道", "金山大道", "新城十一路", "三店路", "马投潭路"),
    id_codes=(("420112", 55), ("420100", 10), ("420116", 10), ("420102", 8), ("421100", 9)),
    id_fallback=("420100",),
    heating=False,
    backing_units=("东西湖区人民法院", "东西湖区税务局"),
    red_since=2017,
    old_words=("临空", "汉江", "荆楚"),
)

# --- 南宁市 江南区 二桥西社区 ------------------------------------------------------------------
NANNING = CitySpec(
    key="nanning",
    name="南宁市",
    code="450100",
    district="江南区",
    district_code="450105",
    streets=(
        StreetSpec(
            "江南街道",
            (
                CommunitySpec(
                    "二桥西社区",
                    (
                        named(
                            COMMODITY,
                            "富宁新兴苑",
                            company="jiayuan",
                            built=(2010, 2013),
                            owners_committee=True,
                            developer="nn",
                        ),
                        named(OLD, "二桥西小区", management=M.COMMERCIAL, company="jiayuan"),
                        named(
                            OLD,
                            "桥西新村",
                            management=M.SELF_MANAGED,
                            owners_committee=True,
                        ),
                        # 弃管小区: no company, the community provides the safeguard service.
                        named(
                            DORMITORY,
                            "原江南糖厂宿舍",
                            kind=K.ABANDONED,
                            management=M.NONE,
                        ),
                    ),
                    (
                        filler(3, OLD, management=M.COMMERCIAL, company="jiayuan"),
                        filler(3, OLD, management=M.COMMERCIAL, company="yongan"),
                    ),
                    grids=(4, 4),
                ),
            ),
        ),
    ),
    companies=(
        CompanySpec("jiayuan", "南宁家园物业服务有限公司", CompanyType.COMMERCIAL, 3),
        CompanySpec("yongan", "南宁邕安物业管理有限公司", CompanyType.COMMERCIAL, 1),
    ),
    developers={"nn": "南宁富宁房地产开发有限公司"},
    housing_bureau="南宁市住房和城乡建设局",
    roads=("星光大道", "江南路", "亭洪路", "白沙大道", "五一西路", "淡村路"),
    id_codes=(("450105", 55), ("450100", 15), ("450102", 8), ("450103", 7), ("451000", 15)),
    id_fallback=("450100",),
    heating=False,
    local_surnames=("韦", "覃", "黄", "莫", "陆", "蒙", "农", "卢", "梁", "潘"),
    backing_units=("江南区人民法院", "江南区税务局"),
    old_words=("邕江", "南湖", "壮锦", "榕荫"),
)

CITIES: tuple[CitySpec, ...] = (JIAYUGUAN, PUYANG, WUHAN, NANNING)
CITY_CODES: tuple[str, ...] = tuple(c.code for c in CITIES)

# The demo logins look at Wuhan Jinghe (the article with the most mechanisms).
FOCUS_CITY = "wuhan"
FOCUS_COMMUNITY = "稻香社区"
FOCUS_COMPANY = "jh_red"

# Words for the names of filler compounds, by kind.
OLD_WORDS = (
    "迎宾", "建设", "前进", "东湖", "和平", "绿化", "福民", "新华", "文化", "世纪",
    "明珠", "紫轩", "昌明", "园丁", "电力", "光明", "团结", "红星", "友谊", "育才",
    "幸福", "民主", "春晖", "振兴", "安居", "康乐", "向阳", "长青", "工人", "朝晖",
)  # fmt: skip
COMMODITY_WORDS = (
    "锦绣", "丽景", "金桂", "翠湖", "阳光", "御景", "康桥", "怡和", "书香", "瑞祥",
    "滨江", "紫荆", "名仕", "盛世", "江南", "天誉", "嘉禾", "鸿福",
)  # fmt: skip
COMMODITY_SUFFIXES = ("花园", "家园", "名苑", "华府", "雅居", "新城", "公馆")
RESETTLEMENT_PLACES = ("柏泉", "新沟", "马投潭", "三店", "走马岭", "辛安渡", "慈惠", "金银湖")
VILLAGE_SURNAMES = ("李", "刘", "胡", "陈", "余", "周", "吴", "杨", "曾", "彭")
VILLAGE_SUFFIXES = ("湾", "台", "墩", "咀", "岗")
DORMITORY_UNITS = ("物资局", "纺织厂", "农机公司", "机械厂", "运输公司", "粮食局", "糖厂")
