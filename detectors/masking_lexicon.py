"""Word lists behind :mod:`detectors.masking`: surnames, cue words and address suffixes.

Kept apart so the masking rules read as rules. Every list is plain data written for this module;
the person-name and place-name *recognition* itself comes from jieba's dictionary and HMM
tagger (see :mod:`detectors.masking`).
"""

from __future__ import annotations

__all__ = [
    "ADDRESS_STOP_WORDS",
    "ADDRESS_SUFFIXES",
    "COMMON_SURNAMES",
    "COMPOUND_SURNAMES",
    "HONORIFICS",
    "NAME_LABELS",
    "NAME_STOP_CHARS",
    "PLACE_UNITS",
    "SURNAMES",
]

# The most frequent single-character surnames (about 90% of the population between them).
COMMON_SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎"
    "贺顾毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧"
    "耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍"
    "华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦卢麦褚娄窦戚岑景党宫费卜冷晏席卫米"
    "柏宗瞿桂全佟应臧闵苟邬边卞姬师仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩佘池查麻苑迟邝官封谈"
    "匡鞠惠荆乐冀郁胥南班储栗燕楚鄢劳谌奚皮粟冼蔺楼满闻厉伊仝阚权帅屠豆朴练廉禹井祖漆巴丰"
    "支卿狄计索宣晋初扈晁芮普阙浦戈伏鹿薄邸雍辜羊母裘亓修邰赫杭况宿鲜印逯隆茹诸战慕危亢嵇湛"
    "宾戎勾茅呼居揭尉冶檀衣昝智幸奉植衡富尧闭萧赖洪"
)
# Rarer surnames that are also everyday characters ("和", "明", "海"): they count only where a
# name is otherwise evident (jieba calls the word a person name, or a cue word stands next to it).
_RARE_SURNAMES = frozenset("明平海花云容银盖强")
SURNAMES = COMMON_SURNAMES | _RARE_SURNAMES
COMPOUND_SURNAMES = frozenset(
    {
        "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文",
        "司徒", "夏侯", "令狐", "轩辕", "端木", "独孤", "南宫", "西门", "万俟", "闻人", "澹台",
        "申屠", "太史", "钟离", "呼延", "赫连", "公冶", "宗政", "濮阳", "淳于", "单于", "拓跋",
    }
)  # fmt: skip

# A person's name follows these labels: "收货人：张伟", "投诉人王某某".
NAME_LABELS = (
    "姓名", "名字", "联系人", "收货人", "收件人", "寄件人", "发件人", "投诉人", "被投诉人",
    "举报人", "反映人", "申请人", "当事人", "患者", "患儿", "伤者", "死者", "消费者", "买家",
    "卖家",
    "客户", "用户", "顾客", "经办人", "负责人", "法定代表人", "法人代表", "法人", "店主",
    "店长", "业主", "家长", "监护人", "代理人", "快递员", "配送员", "骑手", "司机", "签收人",
    "户主", "持卡人", "开户人", "账户名", "本人", "我叫", "名叫", "叫做", "署名", "孩子",
    "儿子", "女儿", "丈夫", "妻子", "老公", "老婆", "母亲", "父亲",
)  # fmt: skip
# ... or precedes these: "王先生", "李晓红女士".
HONORIFICS = (
    "先生", "女士", "小姐", "老师", "师傅", "医生", "大夫", "护士", "经理", "主任", "律师",
    "警官", "阿姨", "同学", "老板", "总经理", "董事长", "科长", "处长", "局长", "厂长",
    "老人", "大爷", "大妈", "奶奶", "爷爷", "姥姥", "外婆", "小朋友", "宝宝",
)  # fmt: skip
# Characters that end a name found after a label rather than being its third character:
# "收货人张伟电话..." is 张伟, not 张伟电.
NAME_STOP_CHARS = frozenset(
    "电手先女的在于说称反投购表住地联身男等和与及是为已向了因对将把被去到从买给让请要也都就还曾均告"
)

# What ends a place name below the city: a district, a town, a street, a village, a housing
# estate, a building. Longest first, so "街道" wins over "道".
ADDRESS_SUFFIXES = tuple(
    sorted(
        {
            "区", "县", "旗", "镇", "乡", "街道", "村", "社区", "路", "街", "大街", "大道",
            "巷", "弄", "胡同", "里", "小区", "花园", "苑", "公寓", "大厦", "家园", "新村",
            "广场", "庄", "屯", "组", "园区", "工业区", "开发区", "商城", "市场", "中心",
        },
        key=lambda s: (-len(s), s),
    )
)  # fmt: skip
# What makes an address *detailed* (below the district): a street, a village, a building, a
# door number. A run of place words without one of these is a region and is kept.
PLACE_UNITS = ("号楼", "号", "栋", "幢", "座", "单元", "室", "层", "楼", "户", "弄", "组", "排")
# Common nouns that end like a place but are not one ("电路" is a circuit, "农村" the country).
ADDRESS_STOP_WORDS = frozenset(
    {
        "电路", "线路", "回路", "短路", "油路", "气路", "水路", "思路", "道路", "公路", "铁路",
        "马路", "出路", "退路", "套路", "一路", "门路", "网路", "走路", "上路", "路路", "电路板",
        "大街", "街道", "上街", "逛街", "农村", "乡村", "本村", "全村", "村里", "城镇", "乡镇",
        "小区", "社区", "园区", "市场", "中心", "广场", "商城", "花园", "公寓", "大厦", "家园",
        "地区", "城区", "山区", "景区", "校区", "灾区", "辖区", "牧区", "郊区", "市区", "小组",
        "这里", "那里", "哪里", "里里", "家里", "心里", "手里", "县里", "楼里", "号码",
        "信号", "型号", "编号", "账号", "号称", "口号", "称号", "记号", "符号", "挂号", "问号",
        "字号", "暗号", "代号", "批号", "货号", "单号", "序号", "番号", "商场", "卖场", "组织",
    }
)  # fmt: skip
