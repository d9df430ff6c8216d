"""Chinese provinces, their main cities and county-level cities, for stripping region prefixes from
company names and telling whether two regions can name the same legal body.

A place is compatible with the places that contain it: 广东, 深圳 and 广东省深圳市 can all be the
same company, and so can 苏州 and 昆山 (a county-level city of 苏州), while 杭州 and 苏州 are not.
Romanized names cover English-style names such as "Shanghai" in "Apple (Shanghai) Co., Ltd".
"""

from __future__ import annotations

import re

from bot.rules.slips import slipped
from bot.rules.wordlists import CJK_INDUSTRY, GENERIC_CORES, INNER_GROUP_WORDS

PROVINCES: dict[str, tuple[str, ...]] = {
    "北京": (), "上海": (), "天津": (), "重庆": (), "香港": (), "澳门": (), "台湾": ("台北", "高雄", "台中"),
    "河北": ("石家庄", "唐山", "保定", "邯郸", "廊坊", "沧州", "秦皇岛", "张家口", "邢台", "衡水", "承德",),
    "山西": ("太原", "大同", "长治", "晋城", "阳泉", "朔州", "晋中", "运城", "忻州", "临汾", "吕梁",),
    "内蒙古": ("呼和浩特", "包头", "鄂尔多斯", "乌海", "赤峰", "通辽", "呼伦贝尔", "巴彦淖尔", "乌兰察布",),
    "辽宁": ("沈阳", "大连", "鞍山", "抚顺", "锦州", "营口", "丹东", "本溪", "阜新", "辽阳", "盘锦", "铁岭", "葫芦岛",),
    "吉林": ("长春", "吉林市", "四平", "辽源", "通化", "松原", "白城", "延边",),
    "黑龙江": ("哈尔滨", "大庆", "齐齐哈尔", "鸡西", "鹤岗", "双鸭山", "伊春", "佳木斯", "牡丹江", "黑河", "绥化",),
    "江苏": ("南京", "苏州", "无锡", "常州", "南通", "徐州", "扬州", "镇江", "盐城", "泰州", "淮安",
             "连云港", "宿迁"),
    "浙江": ("杭州", "宁波", "温州", "嘉兴", "湖州", "绍兴", "金华", "台州", "舟山", "衢州", "丽水"),
    "安徽": ("合肥", "芜湖", "蚌埠", "安庆", "马鞍山", "阜阳", "淮南", "淮北", "铜陵", "滁州", "宿州", "六安", "亳州", "池州", "宣城",),
    "福建": ("福州", "厦门", "泉州", "漳州", "莆田", "龙岩", "三明", "南平",),
    "江西": ("南昌", "赣州", "九江", "景德镇", "萍乡", "新余", "鹰潭", "吉安", "宜春", "抚州", "上饶",),
    "山东": ("济南", "青岛", "烟台", "潍坊", "淄博", "济宁", "威海", "临沂", "东营", "日照", "泰安",
             "聊城", "滨州", "菏泽", "枣庄"),
    "河南": ("郑州", "洛阳", "开封", "新乡", "安阳", "南阳", "许昌", "平顶山", "焦作", "鹤壁", "濮阳", "漯河", "三门峡", "商丘", "信阳", "周口", "驻马店", "济源",),
    "湖北": ("武汉", "宜昌", "襄阳", "荆州", "黄石", "十堰", "鄂州", "荆门", "孝感", "黄冈", "咸宁", "随州", "仙桃", "潜江", "天门",),
    "湖南": ("长沙", "株洲", "湘潭", "岳阳", "常德", "衡阳", "邵阳", "张家界", "益阳", "郴州", "永州", "怀化", "娄底",),
    "广东": ("广州", "深圳", "珠海", "汕头", "佛山", "东莞", "中山", "惠州", "江门", "湛江", "肇庆", "清远", "韶关", "茂名", "揭阳", "潮州", "梅州", "汕尾", "河源", "阳江", "云浮",),
    "广西": ("南宁", "柳州", "桂林", "梧州", "北海", "防城港", "钦州", "贵港", "玉林", "百色", "贺州", "河池", "来宾", "崇左",),
    "海南": ("海口", "三亚", "儋州",),
    "四川": ("成都", "绵阳", "宜宾", "德阳", "南充", "泸州", "乐山", "自贡", "攀枝花", "广元", "遂宁", "内江", "眉山", "广安", "达州", "雅安", "巴中", "资阳", "甘孜", "凉山",),
    "贵州": ("贵阳", "遵义", "六盘水", "安顺", "毕节", "铜仁", "黔西南", "黔东南", "黔南",),
    "云南": ("昆明", "大理", "丽江", "曲靖", "玉溪", "保山", "昭通", "临沧", "楚雄", "西双版纳",),
    "西藏": ("拉萨", "日喀则", "昌都", "林芝", "那曲",),
    "陕西": ("西安", "咸阳", "宝鸡", "铜川", "渭南", "延安", "汉中", "榆林", "安康", "商洛",),
    "甘肃": ("兰州", "嘉峪关", "金昌", "天水", "武威", "张掖", "平凉", "酒泉", "庆阳", "定西", "陇南",),
    "青海": ("西宁",),
    "宁夏": ("银川", "石嘴山", "吴忠", "固原", "中卫",),
    "新疆": ("乌鲁木齐", "克拉玛依", "吐鲁番", "哈密", "昌吉", "博尔塔拉", "巴音郭楞", "阿克苏", "克孜勒苏", "喀什", "和田", "伊犁", "塔城", "阿勒泰", "石河子",),
}
# County-level cities and districts that companies often name, with the city they belong to.
COUNTY_CITIES: dict[str, str] = {
    "昆山": "苏州", "张家港": "苏州", "常熟": "苏州", "江阴": "无锡", "宜兴": "无锡", "义乌": "金华",
    "晋江": "泉州", "顺德": "佛山",
}

ROMANIZED: dict[str, str] = {
    "beijing": "北京", "shanghai": "上海", "tianjin": "天津", "chongqing": "重庆", "hongkong": "香港",
    "hong kong": "香港", "macau": "澳门", "macao": "澳门", "shenzhen": "深圳", "guangzhou": "广州",
    "hangzhou": "杭州", "suzhou": "苏州", "nanjing": "南京", "wuhan": "武汉", "chengdu": "成都",
    "xiamen": "厦门", "qingdao": "青岛", "dalian": "大连", "xian": "西安", "xi an": "西安",
    "ningbo": "宁波", "wuxi": "无锡", "hefei": "合肥", "changsha": "长沙", "zhuhai": "珠海",
    "dongguan": "东莞", "foshan": "佛山", "taipei": "台北", "kunming": "昆明", "zhengzhou": "郑州",
    "jinan": "济南", "harbin": "哈尔滨", "shenyang": "沈阳", "changchun": "长春", "nanchang": "南昌",
    "nanning": "南宁", "guiyang": "贵阳", "lanzhou": "兰州", "taiyuan": "太原", "shijiazhuang": "石家庄",
    "urumqi": "乌鲁木齐", "haikou": "海口", "sanya": "三亚", "wenzhou": "温州", "kunshan": "昆山",
    "nantong": "南通", "changzhou": "常州", "yantai": "烟台", "tangshan": "唐山", "zhongshan": "中山",
    "huizhou": "惠州", "guangdong": "广东", "zhejiang": "浙江", "jiangsu": "江苏", "shandong": "山东",
    "fujian": "福建", "sichuan": "四川", "hubei": "湖北", "hunan": "湖南", "henan": "河南", "hebei": "河北",
    "anhui": "安徽", "jiangxi": "江西", "hainan": "海南", "yunnan": "云南", "guizhou": "贵州",
    "shaanxi": "陕西", "shanxi": "山西", "liaoning": "辽宁", "jilin": "吉林", "heilongjiang": "黑龙江",
    "guangxi": "广西", "gansu": "甘肃", "qinghai": "青海", "ningxia": "宁夏", "xinjiang": "新疆",
    "inner mongolia": "内蒙古", "tibet": "西藏", "taiwan": "台湾",
}

CITY_TO_PROVINCE: dict[str, str] = {city: prov for prov, cities in PROVINCES.items() for city in cities}
PARENT: dict[str, str] = {**CITY_TO_PROVINCE, **COUNTY_CITIES}
ALL_REGIONS: tuple[str, ...] = tuple(sorted({*PROVINCES, *PARENT}, key=len, reverse=True))
REGION_SUFFIXES: tuple[str, ...] = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市")


_REGION_SET = frozenset(ALL_REGIONS)
_CJK = re.compile(r"[\u3400-\u9fff]")


def region_of(token: str) -> str | None:
    """The region a token names (北京市, 广东省, Shanghai, hong kong), or None."""
    compact = token.strip()
    if compact in ROMANIZED or compact.replace(" ", "") in ROMANIZED:
        return ROMANIZED.get(compact) or ROMANIZED[compact.replace(" ", "")]
    compact = compact.replace(" ", "")
    if compact in _REGION_SET:  # 吉林市, the city, before 吉林, the province
        return compact
    for suffix in REGION_SUFFIXES:
        if compact.endswith(suffix) and len(compact) > len(suffix):
            compact = compact[: -len(suffix)]
            break
    return compact if compact in ALL_REGIONS else None


_REGION_LENGTHS = sorted({len(r) for r in ALL_REGIONS}, reverse=True)
# A region's own name wins over another's with a suffix: 吉林市 is the city, not the province 吉林 and 市.
_TAILS: dict[str, str] = {**{r + s: r for r in ALL_REGIONS for s in REGION_SUFFIXES}, **{r: r for r in ALL_REGIONS}}
_TAIL_LENGTHS = sorted({len(t) for t in _TAILS}, reverse=True)


def _leading_region(text: str) -> str | None:
    return next((text[:n] for n in _REGION_LENGTHS if text[:n] in _REGION_SET), None) or _slipped_region(text)


def _slipped_region(text: str) -> str | None:
    """A city or province typed with a pinyin-keyboard slip (``slips.slipped``), then 市 or 省: 东管市 for 东莞市
    (only one place it can be)."""
    for n in (3, 2):
        if len(text) > n + 1 and text[n] in "市省":
            hits = [r for r in ALL_REGIONS if len(r) == n and slipped(text[:n], r)]
            if len(hits) == 1:
                return hits[0]
    return None


def take_leading_regions(text: str) -> tuple[str, list[str]]:
    """``广东省深圳市腾讯`` → (``腾讯``, [广东, 深圳]); a region is never the whole name."""
    regions: list[str] = []
    while region := _leading_region(text):
        rest = text[len(region):]
        suffix = next((s for s in REGION_SUFFIXES if rest.startswith(s)), "")
        if not rest[len(suffix):]:
            break
        regions.append(region)
        text = rest[len(suffix):]
    return text, regions


# A district or county in front of a name: 2–3 characters and 区/县/新区 (南山区, 顺义区, 浦东新区, 长丰县).
# Not a region of its own (the list of some 2,800 is not kept): stripped, it leaves the city as the region.
DISTRICT_SUFFIXES: tuple[str, ...] = ("新区", "区", "县")
# …区 words that are not places: 社区, 园区 (工业园区 is a place but not a district), 景区, 小区 ….
_NOT_DISTRICT = frozenset("社园景小片街专学营矿厂校商军林牧灾误禁盲战")
MIN_AFTER_DISTRICT = 2


# Development zones in front of a name, after its city (苏州工业园区新亚精密模具): places, not districts.
ZONES: tuple[str, ...] = ("经济技术开发区", "高新技术产业开发区", "经济开发区", "工业园区", "保税区")


def take_leading_district(text: str) -> tuple[str, str | None]:
    """``顺义区顺鑫农业`` → (``顺鑫农业``, 顺义区); at least two characters are left."""
    zone = next((z for z in ZONES if text.startswith(z) and len(text) - len(z) >= MIN_AFTER_DISTRICT), None)
    if zone:
        return text[len(zone):], zone
    for suffix in DISTRICT_SUFFIXES:
        for n in (2, 3):
            end = n + len(suffix)
            if (text[n:end] == suffix and text[n - 1] not in _NOT_DISTRICT and not text.startswith("块链", end)
                    and len(text) - end >= MIN_AFTER_DISTRICT
                    and all("\u4e00" <= ch <= "\u9fff" for ch in text[:n])):
                return text[end:], text[:end]
    return text, None


def district_after_city(text: str) -> bool:
    """Two or three Chinese characters after a city in a bracket, with or without 区 or 县 (鼓楼 of （南京鼓楼）,
    南山区): a district, not a word of the name (an industry word or a scope word is one)."""
    suffix = next((s for s in DISTRICT_SUFFIXES if text.endswith(s)), "")
    body = text[: len(text) - len(suffix)]
    return (2 <= len(body) <= 3 and all("\u4e00" <= ch <= "\u9fff" for ch in body) and body not in CJK_INDUSTRY
            and body not in GENERIC_CORES)


def county_region(district: str | None) -> str | None:
    """A county in front of a name is its place (固始县 and 商城县 each have a 农村信用合作联社); a district
    (南山区) is not kept: its city, if given, is the region."""
    if not district or not district.endswith("县"):
        return None
    return district[:-1] if district[:-1] in _REGION_SET else district


def take_spaced_region(text: str) -> tuple[str, str | None]:
    """A place typed after the name, apart from it: ``美亚柏科 厦门`` → (``美亚柏科``, 厦门)."""
    head, _, tail = text.rstrip().rpartition(" ")
    region = region_of(tail) if head.strip() and len(_CJK.findall(head)) >= 2 else None
    return (head, region) if region else (text, None)


def take_trailing_region(text: str) -> tuple[str, str | None]:
    """``腾讯科技有限公司北京`` (the region of a branch) → (``腾讯科技有限公司``, 北京); the longest tail wins."""
    for n in _TAIL_LENGTHS:
        if len(text) > n and text[-n:] in _TAILS:
            return text[:-n], _TAILS[text[-n:]]
    return text, None


def province_of(region: str) -> str:
    while region in PARENT:
        region = PARENT[region]
    return region


def containing(region: str) -> tuple[str, ...]:
    """The region and every place that contains it: 昆山 → (昆山, 苏州, 江苏)."""
    chain = [region]
    while chain[-1] in PARENT:
        chain.append(PARENT[chain[-1]])
    return tuple(chain)


def regions_compatible(a: str | None, b: str | None) -> bool:
    """Two regions are compatible unless both are given and name different places.

    A place is compatible with the places that contain it (广东 / 深圳, 苏州 / 昆山), not with
    places beside it (杭州 / 苏州, 广东 / 杭州). A county the table does not hold (固始县) may lie in any
    place it does hold, but is not another county (商城县).
    """
    if not a or not b or a == b:
        return True
    if a not in _REGION_SET or b not in _REGION_SET:
        return a in _REGION_SET or b in _REGION_SET
    return a in containing(b) or b in containing(a)


# -- places inside a name ------------------------------------------------------------------

def take_inner_region(core: str) -> tuple[str, str | None]:
    """A region between the core and its industry words: OPPO广东(移动通信) → (oppo, 广东)."""
    rest, region = take_trailing_region(core)
    return (rest, region) if region and len(rest) >= 2 else (core, None)


def take_group_place(text: str) -> tuple[str, str | None]:
    """A group's company in a place, named after the group word: 中国移动通信集团浙江(有限公司) →
    (中国移动通信集团, 浙江); the group word then goes with the legal forms."""
    rest, region = take_trailing_region(text)
    if region and any(rest.endswith(w) and len(rest) > len(w) + 1 for w in INNER_GROUP_WORDS):
        return rest, region
    return text, None
