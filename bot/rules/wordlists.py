"""Word lists for company-name normalization: legal forms, branch words, industry words, generic words.

Data only; the rules that use them live in ``bot.rules.names``. An industry word carries its sector:
two names with the same core but sectors that cannot overlap (招商银行 / 招商证券) are different
companies, so a word belongs here only when it names what a company does, not who it is.
"""

from __future__ import annotations


def longest_first(words) -> tuple[str, ...]:
    return tuple(sorted(words, key=len, reverse=True))


# Stripped from the end, repeatedly (集团 + 股份有限公司, 控股 + 有限公司 …).
CJK_LEGAL_FORMS: tuple[str, ...] = longest_first({
    "集团股份有限公司", "集团有限责任公司", "集团有限公司", "股份有限公司", "有限责任公司", "有限公司",
    "股份合作公司", "股份公司", "特殊普通合伙", "合伙企业", "有限合伙", "普通合伙", "个体工商户",
    "总公司", "公司", "集团", "控股", "工作室", "事务所", "株式会社", "厂", "店", "中心",
    "股份",  # stock short names: 九阳股份, 温氏股份
})
# A legal form cut short at the end of a name, as a rep stops typing (…股份有限公): the form it starts.
CJK_CUT_LEGAL_FORMS: dict[str, str] = {
    "集团股份有限公": "集团股份有限公司", "股份有限公": "股份有限公司", "有限责任公": "有限责任公司",
    "集团有限公": "集团有限公司", "有限责任": "有限责任公司", "有限公": "有限公司",
    # or with 公 dropped (…电子有限司)
    "股份有限司": "股份有限公司", "有限责任司": "有限责任公司", "有限司": "有限公司",
}
# Stripped from the start: Japanese-style 株式会社日立制作所.
CJK_LEADING_LEGAL_FORMS: tuple[str, ...] = ("株式会社",)
# A name ending in one of these is a branch of the company named before it (…北京分公司, …深圳分行).
CJK_BRANCH_SUFFIXES: tuple[str, ...] = longest_first({
    "分公司", "分行", "支行", "分店", "办事处", "代表处", "营业部",
    "分所",  # a law or accounting firm's office: 北京市金杜律师事务所上海分所
})
# A country word in front of or behind a name is a scope, not a place: 中国工商银行 is 工商银行,
# 壳牌中国 is 壳牌.
COUNTRY_WORDS: tuple[str, ...] = ("中国",)

LATIN_LEGAL_FORMS: frozenset[str] = frozenset({
    "co", "company", "ltd", "limited", "inc", "incorporated", "corp", "corporation", "gmbh", "llc",
    "llp", "lp", "plc", "ag", "sa", "sas", "sarl", "bv", "nv", "pte", "pty", "kk", "group",
    "holdings", "holding", "srl", "spa", "oy", "oyj", "ab", "as", "se", "kg", "kgaa", "ltda", "bhd",
    "sdn", "aktiengesellschaft", "com", "na", "companies",
    "partners", "firm",  # law and accounting firms: Fangda Partners, Zhong Lun Law Firm
})
LATIN_LEADING_WORDS: frozenset[str] = frozenset({"the"})
LATIN_BRANCH_WORDS: frozenset[str] = frozenset({"branch", "office"})
# "Bank of China" keeps its place word: it is part of the name, not where the company is.
LATIN_PLACE_GLUE: frozenset[str] = frozenset({"of", "for", "and"})
LATIN_COUNTRY_WORDS: frozenset[str] = frozenset({"china", "prc"})
MIN_LATIN_BODY = 4  # "Air China" is not "Air": never strip a place word down to fewer letters

# Words that name a country or scope, not a company: a core made only of them identifies nothing.
GENERIC_CORES: frozenset[str] = frozenset({
    "中国", "中华", "国际", "全球", "亚洲", "东方", "华夏", "环球", "中国区", "国家", "china", "global", "asia",
    "中科",
    # a region's other name and a city's zones: places, not a company's own word (武汉光谷信息技术 and 武汉光谷
    # 网络科技 are two of the many 光谷 companies; 金陵饭店 is still matched on its whole name). Not the names
    # that are also well-known brands' own word: 江淮 (江淮汽车), 长安 (长安汽车).
    "华南", "华东", "华北", "华中", "华西", "西南", "西北", "东北", "东南", "中南", "江南", "岭南", "中原", "关中",
    "齐鲁", "燕赵", "三秦", "荆楚", "巴蜀", "八闽", "三湘", "闽南", "天府", "蓉城", "锦城", "羊城", "鹏城",
    "申城", "津门", "京华", "金陵", "钱塘", "江城", "星城", "春城", "泉城", "冰城", "榕城", "鹭岛",
    "光谷", "前海", "中关村", "张江", "漕河泾", "陆家嘴", "临港", "滨海", "雄安", "横琴",
})

# Industry words that say how a company does business rather than in what: they never fix the sector
# (in 生物科技 and 汽车投资 the sector is 生物 and 汽车), and their own sector counts only when the
# name has no other industry word (平安科技 is tech; 阿里健康科技 is health).
WEAK_INDUSTRY: frozenset[str] = frozenset({
    "科技", "技术", "信息技术", "信息科技", "网络科技", "网络技术", "管理", "服务", "发展", "开发", "产业", "制造",
    "工业", "实业", "贸易", "商贸", "销售", "进出口", "投资", "咨询", "连锁", "制作所",
})
# Group words inside a name, before its industry words: 徐工集团工程机械 is 徐工 + 工程机械.
INNER_GROUP_WORDS: tuple[str, ...] = ("集团", "控股")
# One-character industry words are split off only when a core of two characters or more is left:
# 茅台酒 → 茅台, 腾讯云 → 腾讯, but 白云 stays 白云.
MIN_CORE_AFTER_ONE_CHAR_WORD = 2

_SECTORS: dict[str, tuple[str, ...]] = {
    "tech": ("网络科技", "信息技术", "信息科技", "科技", "技术", "网络", "信息", "软件", "数据", "智能", "电子",
             "互联网", "数字", "云计算", "通信", "通讯", "电信", "计算机", "系统", "在线", "网路", "资讯", "软体", "电脑",
             "集成电路", "半导体", "微电子", "光电", "大数据", "人工智能", "物联网", "自动化", "机器人", "数码", "云", "移动通信", "终端",
             "存储", "光纤", "光缆", "光纤光缆"),
    "trade": ("电子商务", "贸易", "商贸", "进出口", "国际贸易", "商务", "电商", "外贸", "销售"),
    "retail": ("百货", "超市", "零售", "连锁", "商业"),
    "industry": ("实业", "工业", "制造", "机械", "设备", "材料", "化工", "新材料", "重工", "钢铁", "建材",
                 "电气", "仪器", "仪表", "模具", "包装", "印刷", "制作所", "玻璃", "汽车玻璃",
                 "工程机械", "装备", "智能装备",
                 # product words reps use as the industry (北新石膏板, 公牛插座)
                 "石膏板", "水泥", "管业", "阀门", "泵业", "电机", "轴承", "纺织", "塑料", "塑胶", "五金", "线缆",
                 "电线电缆", "电缆", "插座", "开关", "涂料", "油漆", "轮胎", "化学", "聚氨酯",
                 "制品", "五金制品", "金属制品", "塑胶制品", "塑料制品", "精密", "精密模具", "塑胶模具", "模塑"),
    "energy": ("新能源", "能源", "电力", "风电", "光伏", "电池", "石油", "石化", "天然气", "燃气", "电网", "环保", "节能"),
    "service": ("咨询", "管理", "服务", "生活服务", "企业管理", "人力资源", "会计师", "律师", "律所", "顾问", "检测", "认证",
                "设计"),
    "general": ("发展", "国际", "创新", "开发", "企业", "产业"),
    "media": ("广告", "文化创意", "文创", "文化传媒", "传媒", "文化", "影视", "文化传播", "传播", "娱乐", "影业", "游戏", "动漫", "出版"),
    "education": ("教育", "培训", "学校", "技校", "技工学校", "高级技工学校", "职业学校", "培训学校", "幼儿园"),
    "health": ("医药", "医疗", "生物", "健康", "制药", "药业", "生物医药", "生物技术", "生物医疗", "医疗器械",
               "医疗电子", "大药房", "药房", "基因", "医院", "齿科", "牙科", "口腔", "诊所"),
    "bank": ("银行",),
    "securities": ("证券", "期货"),
    "insurance": ("保险", "财产保险"),
    "fund": ("基金", "基金管理"),
    "trust": ("信托",),
    "investment": ("投资", "资产管理", "创业投资", "股权投资", "资本", "创投"),
    "finance": ("金融", "支付", "消费金融", "小额贷款", "融资租赁", "租赁", "担保"),
    "food": ("餐饮", "食品", "火锅", "饮品", "酒业", "乳业", "乳品", "调味", "饮料", "啤酒", "茶业", "粮油", "酒", "味业", "奶业",
             # product words reps use as the industry (飞鹤奶粉, 鲁花食用油, 卫龙辣条)
             "奶粉", "食用油", "酱油", "调味品", "零食", "肉制品", "肉食品", "鸭脖", "卤味", "辣条", "速冻食品", "速冻",
             "饼干", "糖果", "茶叶", "白酒", "黄酒", "葡萄酒", "矿泉水", "方便面", "休闲食品", "瓜子", "坚果", "炒货"),
    "agriculture": ("农业", "农牧", "畜牧", "种业", "水产", "渔业", "林业", "牧业", "养殖", "种植"),
    "mining": ("矿业", "矿产", "煤业", "钼业", "铝业", "铜业"),
    "logistics": ("物流", "供应链", "运输", "快递", "速运", "快运", "速递", "货运", "航运", "海运"),
    "construction": ("建设", "工程", "建筑", "装饰", "园林", "装饰设计", "装饰工程", "室内设计"),
    "realestate": ("房地产", "置业", "地产", "物业", "置地", "不动产", "房产"),
    "auto": ("汽车", "汽车部件", "零部件", "饰件", "内饰", "汽车饰件", "汽车内饰", "客车", "电动车", "新能源汽车", "摩托车", "重卡", "卡车", "汽车零部件"),
    "aviation": ("航空",),
    "travel": ("旅游", "酒店", "饭店", "旅行社"),
    "fashion": ("服饰", "服装", "鞋业", "女装", "男装", "童装", "内衣", "鞋服", "箱包", "鞋材"),
    "consumer": ("体育用品", "运动用品", "体育", "运动", "用品", "化妆品", "日化", "玩具", "潮玩", "文具", "文化用品", "办公用品", "母婴", "眼镜", "珠宝"),
    "home": ("家居", "家具", "床垫", "瓷砖", "陶瓷", "卫浴", "地板", "门窗", "家纺", "衣柜", "橱柜", "定制家居", "全屋定制"),
    "appliance": ("电器", "家电", "厨具", "厨电", "空调", "冰箱", "洗衣机", "照明", "灯饰"),
}
CJK_INDUSTRY: dict[str, str] = {word: sector for sector, words in _SECTORS.items() for word in words}

LATIN_INDUSTRY: dict[str, str] = {
    "technology": "tech", "technologies": "tech", "tech": "tech", "software": "tech", "systems": "tech",
    "networks": "tech", "network": "tech", "digital": "tech", "data": "tech", "electronics": "tech",
    "information": "tech", "solutions": "service", "services": "service", "consulting": "service",
    "trading": "trade", "international": "general", "global": "general", "industries": "industry",
    "industrial": "industry", "manufacturing": "industry", "bank": "bank", "banking": "bank",
    "securities": "securities", "insurance": "insurance", "capital": "investment", "investment": "investment",
    "investments": "investment", "media": "media", "pharmaceutical": "health", "pharmaceuticals": "health",
    "pharma": "health", "logistics": "logistics", "foods": "food", "food": "food", "motors": "auto",
    "motor": "auto", "automotive": "auto", "automobile": "auto", "automobiles": "auto", "airlines": "aviation", "airline": "aviation",
    "airways": "aviation", "stores": "retail", "store": "retail", "platforms": "tech", "semiconductor": "tech", "semiconductors": "tech",
    "electric": "industry", "electrical": "industry", "chemical": "industry", "chemicals": "industry",
    "steel": "industry", "tyres": "auto", "tires": "auto", "tyre": "auto", "tire": "auto", "medical": "health",
    "biomedical": "health", "healthcare": "health", "bio": "health",
    "biotech": "health", "biotechnology": "health", "therapeutics": "health", "dairy": "food",
    "beverage": "food", "beverages": "food", "brewery": "food", "breweries": "food", "foodstuff": "food",
    "foodstuffs": "food", "sports": "consumer", "cosmetics": "consumer", "jewellery": "consumer",
    "jewelry": "consumer", "products": "general", "superstores": "retail", "supermarkets": "retail",
    "supermarket": "retail", "retail": "retail", "mining": "mining", "cement": "industry",
    "machinery": "industry", "textiles": "industry", "textile": "industry",
    "properties": "realestate", "property": "realestate", "realty": "realestate",
    "hotels": "travel", "telecom": "tech", "telecommunications": "tech", "communications": "tech",
    "shipping": "logistics", "express": "logistics", "entertainment": "media", "apparel": "fashion",
    "construction": "construction", "engineering": "construction", "education": "education",
    "law": "service", "bus": "auto", "buses": "auto", "controls": "industry", "intelligent": "tech",
    "optical": "tech", "optics": "tech", "instruments": "industry", "equipment": "industry",
    "materials": "industry",
}
