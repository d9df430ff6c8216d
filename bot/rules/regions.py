"""Chinese provinces and their main cities, for stripping region prefixes from company names.

A city belongs to its province, so 广东 and 深圳 are compatible regions, while 杭州 and 苏州 are
not. Romanized names cover English-style names such as "Shanghai" in "Apple (Shanghai) Co., Ltd".
"""

from __future__ import annotations

PROVINCES: dict[str, tuple[str, ...]] = {
    "北京": (), "上海": (), "天津": (), "重庆": (), "香港": (), "澳门": (), "台湾": ("台北", "高雄", "台中"),
    "河北": ("石家庄", "唐山", "保定", "邯郸", "廊坊", "沧州", "秦皇岛", "张家口"),
    "山西": ("太原", "大同", "长治"),
    "内蒙古": ("呼和浩特", "包头", "鄂尔多斯"),
    "辽宁": ("沈阳", "大连", "鞍山", "抚顺"),
    "吉林": ("长春",),
    "黑龙江": ("哈尔滨", "大庆", "齐齐哈尔"),
    "江苏": ("南京", "苏州", "无锡", "常州", "南通", "徐州", "扬州", "镇江", "盐城", "泰州", "昆山", "江阴"),
    "浙江": ("杭州", "宁波", "温州", "嘉兴", "湖州", "绍兴", "金华", "台州", "义乌"),
    "安徽": ("合肥", "芜湖", "蚌埠"),
    "福建": ("福州", "厦门", "泉州", "漳州"),
    "江西": ("南昌", "赣州", "九江"),
    "山东": ("济南", "青岛", "烟台", "潍坊", "淄博", "济宁", "威海", "临沂"),
    "河南": ("郑州", "洛阳", "开封", "新乡"),
    "湖北": ("武汉", "宜昌", "襄阳"),
    "湖南": ("长沙", "株洲", "湘潭"),
    "广东": ("广州", "深圳", "珠海", "汕头", "佛山", "东莞", "中山", "惠州", "江门", "湛江"),
    "广西": ("南宁", "柳州", "桂林"),
    "海南": ("海口", "三亚"),
    "四川": ("成都", "绵阳", "宜宾"),
    "贵州": ("贵阳", "遵义"),
    "云南": ("昆明", "大理", "丽江"),
    "西藏": ("拉萨",),
    "陕西": ("西安", "咸阳", "宝鸡"),
    "甘肃": ("兰州",),
    "青海": ("西宁",),
    "宁夏": ("银川",),
    "新疆": ("乌鲁木齐",),
}

ROMANIZED: dict[str, str] = {
    "beijing": "北京", "shanghai": "上海", "tianjin": "天津", "chongqing": "重庆", "hongkong": "香港",
    "hong kong": "香港", "macau": "澳门", "macao": "澳门", "shenzhen": "深圳", "guangzhou": "广州",
    "hangzhou": "杭州", "suzhou": "苏州", "nanjing": "南京", "wuhan": "武汉", "chengdu": "成都",
    "xiamen": "厦门", "qingdao": "青岛", "dalian": "大连", "xian": "西安", "xi'an": "西安",
    "ningbo": "宁波", "wuxi": "无锡", "hefei": "合肥", "changsha": "长沙", "zhuhai": "珠海",
    "dongguan": "东莞", "foshan": "佛山", "taipei": "台北",
}

CITY_TO_PROVINCE: dict[str, str] = {city: prov for prov, cities in PROVINCES.items() for city in cities}
ALL_REGIONS: tuple[str, ...] = tuple(
    sorted({*PROVINCES, *CITY_TO_PROVINCE}, key=len, reverse=True)
)
REGION_SUFFIXES: tuple[str, ...] = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市")


def province_of(region: str) -> str:
    return CITY_TO_PROVINCE.get(region, region)


def regions_compatible(a: str | None, b: str | None) -> bool:
    """Two regions are compatible unless both are known and name different places.

    A province is compatible with its own cities (广东 / 深圳), not with other provinces' cities.
    """
    if not a or not b or a == b:
        return True
    a_is_province = a in PROVINCES
    b_is_province = b in PROVINCES
    if a_is_province and not b_is_province:
        return province_of(b) == a
    if b_is_province and not a_is_province:
        return province_of(a) == b
    return False
