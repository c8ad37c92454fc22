"""The Chinese pipeline: numbers, entities across languages, figures, quotes and roles (issue 14)."""

import pytest

from commgraph.extract.numbers import parse_quantity


@pytest.mark.parametrize("text, value, unit, currency", [
    ("8亿", 8e8, None, None), ("2000万", 2e7, None, None), ("三千万", 3e7, None, None),
    ("1.2亿元", 1.2e8, None, "CNY"), ("10亿美元", 1e9, None, "USD"), ("149.8港元", 149.8, None, "HKD"),
    ("人民币5亿元", 5e8, None, "CNY"), ("3.5万亿", 3.5e12, None, None), ("1,000万", 1e7, None, None),
    ("百分之二十", 20, "percent", None), ("百分之五十五", 55, "percent", None), ("５５％", 55, "percent", None),
    ("三成", 30, "percent", None), ("近八成", 80, "percent", None), ("五亿", 5e8, None, None),
    ("一亿二千万", 1.2e8, None, None),
])
def test_chinese_quantities(text, value, unit, currency):
    quantity = parse_quantity(text)
    assert quantity is not None and quantity.value == pytest.approx(value)
    assert (quantity.unit, quantity.currency) == (unit, currency)


def test_chinese_ranges_and_english_unchanged():
    assert (parse_quantity("数千万").min_value, parse_quantity("数千万").max_value) == (1e7, 1e8)
    assert parse_quantity("上亿").min_value == 1e8 and parse_quantity("上亿").max_value is None
    assert parse_quantity("亿") is None
    assert parse_quantity("380 million").value == 3.8e8
    assert parse_quantity("88.9%").unit == "percent"


SIMPLIFIED = (
    "腾讯QQ群用户突破8亿\n\n"
    "【本报北京2015年8月6日电】腾讯控股有限公司（下称“腾讯”）今天在北京举办首届中国互联网移动社群大会。"
    "腾讯高级执行副总裁汤道生在会上表示，截至2015年6月30日，QQ月活跃账户数达到8.43亿，同比增长2%。\n\n"
    "“群公告、群相册只是社群体系的1.0时代，接下来我们会开放更多能力。”汤道生说。"
    "他透露，腾讯还将拿出1亿元的广点通流量扶持兴趣部落，其中超过30款应用已经接入。\n\n"
    "陌陌CEO唐岩认为，陌生人社交的市场空间依然很大，陌陌的月活跃用户为8110万，占总用户的近八成。"
)


@pytest.fixture(scope="module")
def chinese(rules):
    from commgraph.extract.chinese import ChineseExtractor

    return ChineseExtractor(rules)


def _article(body: str, **kw):
    from commgraph.sources import Article

    return Article(id="zh", title=body.splitlines()[0], body=body, source="zh.txt", **kw)


def test_chinese_entities_share_keys_with_english(chinese, extractor):
    """腾讯 and Tencent, 汤道生 and Tang Daosheng are one entity key, so one IRI, in both languages."""
    zh = chinese.extract(_article(SIMPLIFIED, date="2015-08-06"))
    en = extractor.extract(_article("Tencent senior executive vice president Tang Daosheng said QQ groups grew. "
                                    "He spoke in Beijing on Thursday.", lang="en"))
    shared = {"organization/tencent", "person/daosheng-tang", "place/beijing"}
    assert shared <= set(zh.entities) and shared <= set(en.entities)
    tencent = zh.entities["organization/tencent"]
    assert tencent.name == "腾讯" and "Tencent" in tencent.aliases and tencent.names == {"zh": "腾讯", "en": "Tencent"}
    assert zh.entities["person/daosheng-tang"].names["en"] == "Tang Daosheng"
    assert {"product/qq-groups", "product/qq-interest-tribes", "product/guangdiantong",
            "event/china-internet-mobile-community-conference"} <= set(zh.entities)
    # 腾讯控股有限公司 is Tencent's company form, not a second organisation
    assert not [k for k in zh.entities if k.startswith("organization/") and k != "organization/tencent"]
    # a person the gazetteer does not know is keyed by the pinyin of the name, surname first
    cn = chinese.extract(_article("B站董事长兼CEO陈睿表示，社区还会继续成长。陈睿说，明年会有更多内容。"))
    assert "person/chen-rui" in cn.entities and cn.entities["person/chen-rui"].names["zh-Latn-pinyin"] == "Chen Rui"


def test_chinese_figures_roles_and_quotes(chinese):
    zh = chinese.extract(_article(SIMPLIFIED, date="2015-08-06"))
    by_text = {f.text: f for f in zh.figures}
    assert by_text["8.43亿"].value == 8.43e8 and by_text["8.43亿"].subject == "product/tencent-qq"
    assert by_text["8.43亿"].metric == "QQ月活跃账户数" and by_text["8.43亿"].date == "2015-06-30"
    assert by_text["2%"].growth and by_text["2%"].metric == "QQ月活跃账户数"
    assert by_text["1亿元"].value == 1e8 and by_text["1亿元"].currency == "CNY"
    assert by_text["1亿元"].metric == "广点通流量"
    assert by_text["30款"].value == 30 and by_text["30款"].metric == "应用"
    assert by_text["8110万"].value == 8.11e7 and by_text["8110万"].subject == "product/momo"
    assert by_text["八成"].value == 80 and by_text["八成"].unit == "percent"
    assert not any(f.metric.strip("，。、；：") == "" or f.metric in "，。" for f in zh.figures)
    assert not {"2015", "8", "6", "30", "1.0"} & set(by_text)  # dates and versions are not figures
    roles = {(r.person, r.title, r.organization) for r in zh.roles}
    assert ("person/daosheng-tang", "高级执行副总裁", "organization/tencent") in roles
    assert ("person/tang-yan", "CEO", "product/momo") in roles
    quotes = [(q.speaker, q.text[:6]) for q in zh.quotes]
    assert quotes == [("person/daosheng-tang", "群公告、群相")]  # “腾讯” is a name in quotation marks, not a quote


def test_traditional_text_matches_and_keeps_its_script(chinese):
    from commgraph.extract.chinese import to_simplified

    traditional = "騰訊高級執行副總裁湯道生說：「群公告、群相冊只是社群體系的1.0時代，接下來會開放更多能力。」"
    assert len(to_simplified(traditional)) == len(traditional)
    zh = chinese.extract(_article("標題\n\n" + traditional))
    assert {"organization/tencent", "person/daosheng-tang"} <= set(zh.entities)
    assert {m.text for m in zh.mentions} >= {"騰訊", "湯道生"}
    assert all(s.text == zh.article.body[s.start:s.end] for s in zh.sentences) and "騰訊" in zh.sentences[-1].text
    assert zh.roles[0].title == "高級執行副總裁"
    assert zh.quotes[0].text.startswith("群公告、群相冊") and zh.quotes[0].speaker == "person/daosheng-tang"


def test_extractor_dispatches_by_language(extractor):
    """Extractor sends Chinese articles to the Chinese pipeline, in article order, English ones to spaCy's model."""
    articles = [_article("Tencent said QQ groups grew to 800 million users.", lang="en"),
                _article(SIMPLIFIED), _article("Momo CEO Tang Yan said the app grew.", lang="en")]
    out = list(extractor.extract_many(articles))
    assert [x.article.lang for x in out] == ["en", "zh", "en"]
    assert "product/qq-groups" in out[1].entities and out[1].figures


def test_english_and_chinese_articles_meet_on_one_entity_page(settings, extractor, tmp_path):
    """Ingest an English and a Chinese (Traditional, Big5) report: the Tencent page names it in both languages
    and lists the Chinese mentions with their Chinese sentences; the article page says its language."""
    from commgraph.pipeline import ingest
    from commgraph.server import create_app

    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "tencent-en.txt").write_text("Tencent grows QQ groups\n\nTencent said QQ groups reached 800 million "
                                           "users. Tang Daosheng spoke in Beijing.\n", encoding="utf-8")
    (folder / "騰訊社群.txt").write_bytes(
        "騰訊社群大會\n\n騰訊高級執行副總裁湯道生在北京表示，QQ群的月活躍用戶已經超過8億。\n".encode("big5"))
    report = ingest([folder], settings, extractor=extractor)
    assert not report.failed, report.failed
    from commgraph.check import check_generation

    assert check_generation(settings, shacl=True) == []  # language-tagged names fit the ontology's shapes
    zh_id = next(a for a in report.added if a.startswith("teng-xun-she-qun") or a.startswith("tengxun"))
    app = create_app(settings)
    try:
        client = app.test_client()
        page = client.get("/api/entity/organization/tencent").get_json()
        assert {(n["name"], n["lang"]) for n in page["names_by_language"]} == {("Tencent", "en"), ("腾讯", "zh")}
        assert page["name"] == "Tencent"
        sentences = [m["sentence"] for m in page["mentions"]]
        assert any("騰訊高級執行副總裁湯道生" in s for s in sentences)  # the text keeps its Traditional script
        assert any(s.startswith("Tencent said") for s in sentences)
        html = client.get("/entity/organization/tencent").get_data(as_text=True)
        assert 'lang="zh">腾讯' in html and "Tencent" in html
        person = client.get("/api/entity/person/daosheng-tang").get_json()
        assert {m["article"].rsplit("/", 1)[-1] for m in person["mentions"]} == {"tencent-en", zh_id}
        article = client.get(f"/article/{zh_id}").get_data(as_text=True)
        assert 'language: <span class="lang">zh</span>' in article and '<div class="text" lang="zh">' in article
    finally:
        app.extensions["commgraph"].close()


def test_chinese_articles_in_extraction_processes(settings, extractor):
    """The multi-process ingest path: two worker processes give the Chinese and English articles, in order,
    the same extractions as one process (each worker loads the Chinese pipeline on its first Chinese article)."""
    from commgraph.extract import extract_in_processes

    articles = [_article(SIMPLIFIED, date="2015-08-06"),
                _article("Tencent said QQ groups grew to 800 million users.", lang="en"),
                _article("騰訊高級執行副總裁湯道生說：「群公告、群相冊只是社群體系的1.0時代，接下來會開放更多能力。」")]
    articles = [a.__class__(**{**a.__dict__, "id": f"a{n}", "content_hash": ""}) for n, a in enumerate(articles)]
    extractions = extract_in_processes(settings.model, str(settings.rules_path), articles, 2)
    try:
        out = list(extractions)
    finally:
        extractions.close()
    assert [x.article.id for x in out] == ["a0", "a1", "a2"]
    local = list(extractor.extract_many(articles))
    for remote, here in zip(out, local):
        assert set(remote.entities) == set(here.entities)
        assert [(f.text, f.value, f.subject) for f in remote.figures] == [(f.text, f.value, f.subject) for f in here.figures]
        assert [(q.speaker, q.text) for q in remote.quotes] == [(q.speaker, q.text) for q in here.quotes]
    assert "person/daosheng-tang" in out[2].entities and "product/qq-groups" in out[0].entities


def test_every_bilingual_gazetteer_entity_is_one_key_in_both_languages(chinese, rules):
    """Each gazetteer entity with a Chinese name: a Chinese sentence naming it gives the key an English
    article naming it gets (so one IRI), whatever the Chinese alias."""
    from commgraph.extract.chinese import _HAN_CHAR
    from commgraph.extract.entities import entity_key

    table = rules.alias_table()
    missed = []
    for known in rules.known:
        if not any(_HAN_CHAR.search(a) for a in known.aliases):
            continue
        # the English side: every name of the entry resolves to it (no other entry claims one of its names)
        missed += [(known.name, n) for n in (known.name, *known.aliases)
                   if entity_key(table[n.lower()].type, table[n.lower()].name) != entity_key(known.type, known.name)]
        for alias in (a for a in known.aliases if _HAN_CHAR.search(a)):
            zh = chinese.extract(_article(f"据报道，{alias}的最新消息昨天公布。"))
            if entity_key(known.type, known.name) not in {m.entity for m in zh.mentions}:
                missed.append((known.name, alias))
    assert not missed


@pytest.mark.parametrize("body, role", [
    ("汤道生（腾讯高级执行副总裁）表示，QQ群是最重要的社交产品。", ("person/daosheng-tang", "高级执行副总裁", "organization/tencent")),
    ("陌陌CEO唐岩说，直播会继续增长。", ("person/tang-yan", "CEO", "product/momo")),
    ("李建华是字节跳动的副总裁。", ("person/jianhua-li", "副总裁", "organization/bytedance")),
    ("新浪董事长兼CEO、微博董事长曹国伟表示，广告会回暖。", ("person/chao-charles", "董事长", "product/weibo")),
])
def test_chinese_role_shapes(chinese, body, role):
    assert role in {(r.person, r.title, r.organization) for r in chinese.extract(_article("标题\n\n" + body)).roles}


def test_chinese_as_of_dates(chinese):
    zh = chinese.extract(_article("标题\n\n截至2015年6月，QQ群数量超过5000万个。第二季度腾讯总收入为229.06亿元。", date="2015-08-12"))
    dates = {f.text: f.date for f in zh.figures}
    assert dates == {"5000万个": "2015-06", "229.06亿元": "2015-06"}


@pytest.mark.parametrize("body, role", [
    ("陌陌 CEO 唐岩说，直播会继续增长。", ("person/tang-yan", "CEO", "product/momo")),
    ("探探 CEO 王宇表示，产品会继续迭代。", ("person/wang-yu", "CEO", "product/tantan")),
    ("汤道生，腾讯高级执行副总裁，在会上表示，QQ群还会增长。", ("person/daosheng-tang", "高级执行副总裁", "organization/tencent")),
])
def test_chinese_role_spaces_and_appositions(chinese, body, role):
    assert role in {(r.person, r.title, r.organization) for r in chinese.extract(_article("标题\n\n" + body)).roles}


def test_bare_titles_get_the_company_only_when_corporate(chinese):
    """总裁刘炽平 is at the company the article is about; 分析师张明 is not (no organisation)."""
    zh = chinese.extract(_article("标题\n\n腾讯今天发布财报。分析师张明表示，腾讯的广告收入增长很快。总裁刘炽平说，微信支付还会增长。"))
    assert {(r.person, r.title, r.organization) for r in zh.roles} == {
        ("person/ming-zhang", "分析师", None), ("person/lau-martin", "总裁", "organization/tencent")}


@pytest.mark.parametrize("body", [
    "湯道生說：『群公告、群相冊只是社群體系的1.0時代，接下來會開放更多能力。』",
    '汤道生说："群公告、群相册只是社群体系的1.0时代，接下来会开放更多能力。"',
    "“群公告、群相册只是社群体系的1.0时代，接下来会开放更多能力。”汤道生说。",
])
def test_chinese_quotation_marks(chinese, body):
    quotes = chinese.extract(_article("标题\n\n" + body)).quotes
    assert [(q.speaker, q.text[:3]) for q in quotes] == [("person/daosheng-tang", "群公告")]


@pytest.mark.parametrize("text, value", [("六成四", 64), ("五成半", 55), ("两成", 20)])
def test_tenths_with_units_digit(text, value):
    """Hong Kong reports write 64 % as 六成四 and 55 % as 五成半."""
    quantity = parse_quantity(text)
    assert (quantity.value, quantity.unit) == (value, "percent")


def _figures(chinese, body: str, date: str = "2021-02-03") -> dict[str, tuple]:
    zh = chinese.extract(_article("标题\n\n" + body, date=date))
    return {f.text: (f.value, f.canonical, f.growth, f.subject) for f in zh.figures}


def test_hong_kong_wire_growth_in_tenths(chinese):
    """按年增长六成四，至X: the level takes the measure of the clause before; 升 is a change, 升至 a level; a
    clause naming its own measure (营业额) after another's level keeps it."""
    got = _figures(chinese, "腾讯公布中期业绩，纯利按年增长六成四，至三百二十六亿元人民币。单计第二季，纯利按年增长七成，"
                            "至一百八十二亿元；营业额升五成九，增至五百六十六亿元。")
    assert got["六成四"][:3] == (64, "net income", True) and got["三百二十六亿元"][1:3] == ("net income", False)
    assert got["五成九"][:3] == (59, "revenue", True) and got["五百六十六亿元"][1:3] == ("revenue", False)


def test_a_measure_governs_a_list_of_numbers(chinese):
    got = _figures(chinese, "我国网民规模达9.89亿。农村网民和城镇网民规模分别为3.09亿和6.80亿，分别占网民整体的31.3%和68.7%。"
                            "B站移动端月均活跃用户为8860万，二者分别同比增长31%和39%。")
    assert got["6.80亿"][1:3] == ("users", False) and got["68.7%"][1] == "share"
    assert got["39%"][1:3] == ("monthly active users", True)
    assert got["6.80亿"][3] == "place/china"  # 城镇 is no place


def test_measure_named_in_the_clause_before_or_after_the_number(chinese):
    got = _figures(chinese, "B站第一季度月均活跃用户首次破亿，达到1.01亿。微博淨利潤則實現了152%的增長。"
                            "微博每月活躍的用戶規模增至3.61億。微信的日登录用户数首次超过10亿。陌陌付费用户规模达到1000万。")
    assert got["1.01亿"][1] == "monthly active users"
    assert got["152%"][1:3] == ("net income", True)
    assert got["3.61億"][1] == "monthly active users"  # 每月活跃的用户规模: a modifier, not a possessor
    assert got["10亿"][1] == "daily active users"
    assert got["1000万"][1] == "paying users"  # 付费用户 + the generic ending 规模


def test_units_after_a_classifier_and_usage_rates(chinese):
    got = _figures(chinese, "我国网民规模达9.89亿，互联网普及率达70.4%，较2020年3月提升5.9个百分点。"
                            "我国网民的人均每周上网时长为26.2个小时。")
    assert got["5.9个百分点"][1:3] == ("share", True)
    assert got["26.2个小时"][:2] == (26.2, "time spent")


def test_national_figures_after_the_report_are_the_countrys(chinese):
    got = _figures(chinese, "中国互联网络信息中心发布报告。报告显示，截至2020年12月，我国网民规模达9.89亿。\n\n"
                            "应用方面，即时通信依然是使用最广的应用，用户规模达9.81亿，使用率为99.2%。")
    assert got["9.81亿"][3] == "place/china" and got["99.2%"][3] == "place/china"


def test_events_without_an_event_word_and_more_surnames(chinese):
    zh = chinese.extract(_article("标题\n\n当晚的微信之夜上，张小龙作压轴演讲。映客创始人、董事长兼首席执行官奉佑生表示，产品已经跑通。"))
    assert any(e.type == "Event" and e.name.startswith("微信之夜") for e in zh.entities.values())
    assert {r.title for r in zh.roles if r.person == "person/feng-yousheng"} >= {"创始人", "董事长", "首席执行官"}


def test_measure_after_the_number_and_inner_approximations(chinese):
    got = _figures(chinese, "上线仅半个月的“自拍部落”就聚集了500多万粉丝。单个话题每天的回复量超过10万的情况并不少见。"
                            "微博视频播放量同比增幅均超过30%。腾讯经营利润为100亿元。")
    assert got["500多万"][:2] == (5e6, "followers")
    assert got["10万"][1] == "posts"  # 的情况 is no measure; the clause names one
    assert got["30%"][1:3] == ("visits", True)  # 增幅 + 均
    assert got["100亿元"][1] is None  # operating profit is not net income


def test_a_quoted_name_stays_in_its_clause(chinese):
    zh = chinese.extract(_article("标题\n\n豆瓣上的小组五花八门，其中娱乐类小组“豆瓣鹅组”恢复开放时拥有688364名成员。"))
    figure = next(f for f in zh.figures if f.text.startswith("688364"))
    assert zh.entities[figure.subject].name in ("豆瓣鹅组",) and figure.canonical == "members"


def test_levels_after_changes_and_monthly_measures_after_a_number(chinese):
    """增长至 is a level, 增长17%至X is the level the change led to; 7800万月活用户 is no date (万 + 月活)."""
    zh = chinese.extract(_article("标题\n\n腾讯增值服务业务收入同比增长17%至921亿元；经营利润（Non-IFRS）为693.2亿元。"
                                  "QQ智能终端月活跃账户数同比略有增长至逾7亿。陌陌拥有7800万月活用户。"))
    got = {f.text: (f.metric, f.canonical, f.growth) for f in zh.figures}
    assert got["921亿元"] == ("增值服务业务收入", "revenue", False)
    assert got["7亿"] == ("QQ智能终端月活跃账户数", "monthly active users", False)
    assert got["7800万"][1:] == ("monthly active users", False)
    assert "Non-IFRS" not in {e.name for e in zh.entities.values()}


def test_hong_kong_titles_and_a_measure_left_out(chinese):
    zh = chinese.extract(_article("标题\n\n陌陌联合创办人、主席兼行政总裁唐岩表示，直播会继续增长。"
                                  "截至2020年6月，抖音月活跃用户规模达到5.2亿，快手为4.4亿。"))
    assert {r.title for r in zh.roles if r.person == "person/tang-yan"} == {"联合创办人", "主席", "行政总裁"}
    kuaishou = next(f for f in zh.figures if f.text == "4.4亿")
    assert kuaishou.canonical == "monthly active users" and zh.entities[kuaishou.subject].name == "快手"


def test_a_quotation_over_two_paragraphs_is_one(chinese):
    body = ("唐岩在内部信中写道：“未来三年，陌陌会把更多资源投入到内容和直播上。\n\n"
            "“我们也会继续探索新的社交场景，让陌生人之间的连接更有价值。”\n\n公司股价当天上涨。")
    quotes = chinese.extract(_article("标题\n\n" + body)).quotes
    assert [(q.speaker, q.text[:4]) for q in quotes] == [("person/tang-yan", "未来三年")]
    assert quotes[0].text.endswith("更有价值。")


def test_rates_of_change_and_more_measure_words(chinese):
    zh = chinese.extract(_article("标题\n\n知乎社区的月活跃用户达到1亿。第三季度知乎营收增速为20%，每付费用户平均收入为15元。"
                                  "小红书平台上的笔记数超过3亿，视频播放次数达到10亿。"))
    got = {f.text: (f.canonical, f.growth) for f in zh.figures}
    assert got["20%"] == ("revenue", True) and got["15元"] == (None, False)
    assert got["3亿"][0] == "posts" and got["10亿"][0] == "visits"
    assert "知乎社区" not in {e.name for e in zh.entities.values()}  # the platform itself, not a product of it


def test_two_joined_measures_take_the_first_and_generic_latin_words_name_nothing(chinese):
    zh = chinese.extract(_article("标题\n\n3月份，微博视频播放量和播放用户数同比增幅均超过30%。B站推出了新的Feed流和Emoji表情。"))
    assert [(f.text, f.canonical) for f in zh.figures] == [("30%", "visits")]
    assert not {"Feed", "Emoji"} & {e.name for e in zh.entities.values()}


def test_hong_kong_changes_ranges_and_bare_company_titles(chinese):
    zh = chinese.extract(_article("标题\n\n知乎公布次季业绩。付費會員收入仍是知乎最大的收入來源，次季按年降7%。上半年平均月訂閱會員達1370萬名，"
                                  "按年少6.7%。公司創辦人及CEO周源表示，知乎计划投入总价值数十亿元的现金和流量。"))
    got = {f.text: (f.value, f.canonical, f.growth) for f in zh.figures}
    assert got["7%"] == (-7, "revenue", True) and got["6.7%"] == (-6.7, "paying users", True)
    ranged = next(f for f in zh.figures if f.text == "数十亿元")
    assert (ranged.min_value, ranged.canonical) == (1e9, None)
    assert {(r.title, zh.entities[r.organization].name) for r in zh.roles} == {("創辦人", "知乎"), ("CEO", "知乎")}


def test_industry_figures_measures_left_out_and_clause_verbs(chinese):
    got = _figures(chinese, "QuestMobile发布报告。报告显示，我国移动互联网全网月活跃用户规模在5月达到11.64亿的峰值；"
                            "上半年全网月均MAU为11.55亿。上半年全网净增用户规模已经超过去年全年，达到847万。"
                            "短视频行业增长最快，6月其月活跃用户规模达到8.52亿。"
                            "6月抖音（含抖音极速版）月活跃用户约为6亿，快手（含快手极速版）约为5.4亿。")
    assert got["11.55亿"][1] == "monthly active users" and got["847万"][1] == "users"
    assert {got[t][3] for t in ("11.64亿", "11.55亿", "847万", "8.52亿")} == {"place/china"}
    assert got["5.4亿"][1] == "monthly active users" and got["5.4亿"][3] == "product/kuaishou"


def test_minutes_prices_narrowed_losses_and_unmapped_changes(chinese):
    got = _figures(chinese, "截至2024年12月，短视频应用人均单日使用时长达156分钟，居所有互联网应用首位，同比增长3.1%。"
                            "微短剧的用户规模截至2024年12月达6.62亿人，半年增长率高达14.8%。"
                            "B站当季收入为50.7亿元，毛利润则同比增长了37%，净亏损同比收窄72%。"
                            "知乎上市首日收报8.5美元/股，相比9.5美元/股的发行价，跌超15%。2021年12月抖音、快手月活量分别为67180万人、44245万人。")
    assert got["156分钟"][:2] == (156, "time spent") and got["3.1%"][1:3] == ("time spent", True)
    assert got["14.8%"][1:3] == ("users", True)
    assert got["37%"][1] is None  # gross profit's change, not the revenue before it
    assert got["72%"][:3] == (-72, "net income", True)
    assert got["8.5美元/股"][1] == "price" and got["9.5美元/股"][1] == "price"
    assert got["44245万人"][1] == "monthly active users"


def test_spaced_latin_titles_bylines_and_unnamed_speakers(chinese):
    zh = chinese.extract(_article("标题\n\n羊城晚报讯 记者沈钊报道：知乎创始人、董事长兼 CEO 周源发布公开信称，会员数突破了1000万。\n\n"
                                  "字节跳动创始人张一鸣曾在内部信中表示：“我们要保持创业心态，始终像一家小公司那样思考。”\n\n"
                                  "对此，抖音相关负责人回应称：“平台会持续打击违规内容，保护用户的合法权益。”"))
    assert {r.title for r in zh.roles if r.person == "person/yuan-zhou"} == {"创始人", "董事长", "CEO"}
    assert "沈钊" in {e.name for e in zh.entities.values()}
    assert [q.text[:4] for q in zh.quotes] == ["我们要保"]  # the unnamed 负责人 is not 张一鸣


def test_an_exchange_that_lists_a_company_is_not_what_its_figures_measure(chinese):
    body = "标题\n\n在港交所挂牌的网易云音乐昨天公布业绩，在线音乐服务收入增至33亿元。"
    zh = chinese.extract(_article(body, date="2022-03-30"))
    subjects = {f.text: zh.entities[f.subject].name for f in zh.figures if f.subject}
    assert subjects == {"33亿元": "网易云音乐"}, subjects


def test_a_research_firm_that_gives_an_estimate_is_not_its_subject(chinese):
    body = "标题\n\n小红书没有公布月活跃用户数。易观分析给出的2024年全年数字为3.15亿。"
    zh = chinese.extract(_article(body, date="2025-01-10"))
    subjects = {f.text: zh.entities[f.subject].name for f in zh.figures if f.subject}
    assert subjects == {"3.15亿": "小红书"}, subjects


def test_a_persons_english_name_in_brackets_is_no_product(chinese):
    zh = chinese.extract(_article("标题\n\n腾讯公司副总裁殷宇（Mel）将负责新的业务。", date="2021-12-01"))
    assert not [e.name for e in zh.entities.values() if e.type == "Product" and e.name == "Mel"], zh.entities


def _roles(zh) -> set[tuple[str, str, str | None]]:
    return {(zh.entities[r.person].name, r.title, zh.entities[r.organization].name if r.organization else None)
            for r in zh.roles}


def test_titles_given_by_a_verb_of_appointment_after_the_name(chinese):
    """改任 / 兼任 / 调任 / 卸任 in the clauses after the name, up to the next person; a line of business
    between the organisation and the title is part of the title."""
    body = ("标题\n\n字节跳动副总裁周立新不再担任这一职务，改任剪映负责人，同时兼任抖音电商总裁；"
            "今日头条CEO罗文斌调任抖音商业产品负责人，向周立新汇报。字节跳动创始人张一鸣已于去年卸任CEO。")
    roles = _roles(chinese.extract(_article(body, date="2022-06-06")))
    assert {("周立新", "负责人", "剪映"), ("周立新", "总裁", "抖音电商"), ("罗文斌", "商业产品负责人", "抖音"),
            ("张一鸣", "CEO", "字节跳动")} <= roles, roles
    assert not any(person == "周立新" and org == "今日头条" for person, _, org in roles)


def test_a_line_of_business_after_a_word_for_the_organisation_before_a_name(chinese):
    body = "标题\n\n华泰证券发布研究报告，维持快手“买入”评级。报告由该行传媒互联网首席分析师陆嘉明执笔。"
    assert ("陆嘉明", "传媒互联网首席分析师", "华泰证券") in _roles(chinese.extract(_article(body)))


def test_a_region_in_a_title_is_no_place(chinese):
    zh = chinese.extract(_article("标题\n\n她曾兼任字节跳动中国区CEO，也在上海工作过。"))
    assert {e.name for e in zh.entities.values() if e.type == "Place"} == {"上海"}


def _subjects(chinese, body: str) -> dict[str, str | None]:
    zh = chinese.extract(_article("标题\n\n" + body, date="2021-11-25"))
    return {f.text: zh.entities[f.subject].name if f.subject else None for f in zh.figures}


def test_vanished_values_cut_forecasts_and_unmapped_percentages(chinese):
    """蒸发 and 下调 are declines; a percentage of a measure with no canonical metric (毛利率) is no share."""
    figures = _figures(chinese, "哔哩哔哩股价报150港元，较高点已蒸发逾六成。该行将其2023年的收入预测下调5%至250亿元。"
                                "哔哩哔哩毛利率为24%。")
    assert figures["六成"][:3] == (-60, "price", True)
    assert figures["5%"][:3] == (-5, "revenue", True) and figures["250亿元"][1] == "revenue"
    assert figures["24%"][1] is None


def test_subjects_named_after_the_number_or_by_a_reference(chinese):
    """The owner after the measure (拥有…的知乎), a broker's note is no subject of its figures, 群里 is the
    group product last named, 全站 the platform, and a change whose clause names its own subject keeps it."""
    subjects = _subjects(chinese, "华泰证券认为，拥有1.5亿日活跃用户的知乎还在增长。")
    assert subjects["1.5亿"] == "知乎", subjects
    subjects = _subjects(chinese, "中信证券11月2日发布研究报告，维持快手“买入”评级，目标价为180港元。")
    assert subjects["180港元"] == "快手", subjects
    subjects = _subjects(chinese, "腾讯今天介绍了QQ群的新功能。梁柱说，今天群里已经有超过40款应用。")
    assert subjects["40款"] == "QQ群", subjects
    subjects = _subjects(chinese, "百度今天介绍了贴吧的新变化。他介绍，全站目前有约100万名活跃吧主，"
                                  "今年贴吧发给吧主的激励金额同比增长了30%。")
    assert (subjects["100万名"], subjects["30%"]) == ("贴吧", "贴吧"), subjects


def test_a_quoted_name_before_a_product_noun_and_an_open_day(chinese):
    zh = chinese.extract(_article("标题\n\n腾讯举办了2016年的QQ群开放日，宣布把“群课堂”功能开放给老师。群课堂已有30款应用。"))
    kinds = {e.name: e.type for e in zh.entities.values()}
    assert kinds.get("群课堂") == "Product" and kinds.get("QQ群开放日") == "Event", kinds
    assert {zh.entities[f.subject].name for f in zh.figures} == {"群课堂"}


def test_a_speaker_named_later_in_the_quotations_sentence(chinese):
    body = ("标题\n\n网易今天发布了财报。“云音乐的付费会员和会员收入都在持续增加，这是我们最看重的指标，”"
            "在当天的业绩说明会上，网易首席财务官杨昭烜这样介绍。")
    zh = chinese.extract(_article(body))
    assert [(zh.entities[q.speaker].name, q.text[:5]) for q in zh.quotes] == [("杨昭烜", "云音乐的付")]


def test_an_english_name_in_brackets_is_the_person_everywhere(chinese):
    zh = chinese.extract(_article("标题\n\n腾讯公司副总裁郄小虎（Tiger）接任负责人。殷宇说，之后的工作将交给Tiger。"))
    assert "Tiger" in zh.entities["person/qie-xiaohu"].aliases
    assert not [e for e in zh.entities.values() if e.type == "Product"], zh.entities


def test_names_cued_by_a_verb_of_appointment_and_titles_after_them(chinese):
    """A name before 不再担任 / 目前任 / 为 / 作为 and a title is a person; titles at further organisations
    joined by 、 / 以及, the company owned (旗下的), titles shared by two names joined by 和; what a person
    reports after a speech verb is none of their titles."""
    body = ("标题\n\n微博宣布，贺一鸣不再担任首席行政官一职，改任荣誉顾问。邹启明目前任微博首席技术官，吕佳为首席信息官。"
            "现任腾讯公司副总裁程远和赖海峰将不再担任公司副总裁。程远此前兼任腾讯集团副总裁、阅文集团CEO以及腾讯影业CEO。"
            "赖海峰作为腾讯集团副总裁，出任腾讯旗下的富融银行董事长。张小龙透露，公司正在寻找人选出任微信事业群CFO。")
    roles = _roles(chinese.extract(_article(body)))
    assert {("贺一鸣", "首席行政官", "微博"), ("贺一鸣", "荣誉顾问", "微博"), ("邹启明", "首席技术官", "微博"),
            ("吕佳", "首席信息官", "微博"), ("赖海峰", "副总裁", "腾讯集团"), ("程远", "CEO", "阅文集团"),
            ("程远", "CEO", "腾讯影业"), ("赖海峰", "董事长", "富融银行")} <= roles, roles
    assert not [r for r in roles if r[0] == "张小龙"], roles


def test_hong_kong_decimal_points_and_multiples_before_their_classifier(chinese):
    figures = _figures(chinese, "集團營業額增加1﹒2倍至7﹒91億元。")
    assert figures["1﹒2倍"][:3] == (120, "revenue", True) and figures["7﹒91億元"][0] == 7.91e8


def test_the_company_a_broker_rates_is_the_subject(chinese):
    assert set(_subjects(chinese, "高盛对腾讯维持“买入”评级，目标价从701港元上调至770港元。").values()) == {"腾讯"}


def test_from_to_levels_word_classifiers_and_a_name_inside_a_longer_word(chinese):
    """从A增至B: B is measured as A; 位 of 位居 is no classifier; 中国移动互联网 is China's mobile internet."""
    zh = chinese.extract(_article("标题\n\n知乎月活跃用户从去年同期的1.02亿增至1.09亿。抖音以7.8亿位居第一。"
                                  "中国移动互联网月活跃用户规模达到12.35亿。"))
    figures = {f.text: (f.canonical, zh.entities[f.subject].name if f.subject else None) for f in zh.figures}
    assert set(figures) == {"1.02亿", "1.09亿", "7.8亿", "12.35亿"}, figures
    assert figures["1.02亿"] == figures["1.09亿"] == ("monthly active users", "知乎")
    assert figures["12.35亿"] == ("monthly active users", "中国")
    assert "中国移动" not in {e.name for e in zh.entities.values()}


def test_appointed_names_after_a_verb_of_appointing(chinese):
    """任命X为 / 由X接任 / X被任命为 / X升任为: the name is a person with the title (任命卢 is no name)."""
    body = ("标题\n\n腾讯今日宣布，任命卢海为腾讯公司高级执行副总裁，并兼任技术工程事业群总裁。"
            "百度宣布，沈星被任命为百度集团执行副总裁。快手宣布由王立伟接任快手主站负责人。原微博CEO王高飞已升任为新浪集团总裁。")
    zh = chinese.extract(_article(body))
    roles = _roles(zh)
    assert {("卢海", "高级执行副总裁", "腾讯"), ("卢海", "总裁", "技术工程事业群"), ("沈星", "执行副总裁", "百度"),
            ("王立伟", "主站负责人", "快手"), ("王高飞", "总裁", "新浪集团")} <= roles, roles
    assert not [e for e in zh.entities.values() if e.name.startswith("任命")]


def test_a_rise_named_shang_sheng(chinese):
    """上升 is the word of change, not 升 after a measure ending in 上."""
    zh = chinese.extract(_article("标题\n\n腾讯盈利按年上升47%至532亿元。"))
    assert [(f.text, f.metric, f.growth) for f in zh.figures][0] == ("47%", "盈利", True)


def test_a_generic_measure_of_a_product_counts_its_kind(chinese):
    figures = _figures(chinese, "截至9月底，QQ群的总数已超过1亿个，豆瓣小组的数量超过60万个。")
    assert (figures["1亿个"][1], figures["60万个"][1]) == ("groups", "groups"), figures


def test_a_brand_of_common_words_cued_by_a_title_and_a_title_held_where_named(chinese):
    """心动网络CEO黄一孟: a name ending in a brand suffix before a title is an organisation (not for
    社交网络 alone); 在YY担任首席技术官: the organisation named before the verb."""
    zh = chinese.extract(_article("标题\n\n心动网络CEO黄一孟在业绩会上透露，广告收入增长了42%。腾讯投资了这家公司，"
                                  "腾讯的投资部门说，其创始人赵斌曾在YY担任首席技术官。"))
    assert ("黄一孟", "CEO", "心动网络") in _roles(zh) and ("赵斌", "首席技术官", "YY") in _roles(zh), _roles(zh)
    zh = chinese.extract(_article("标题\n\n社交网络的用户还在增长，用户规模达到10亿。"))
    assert not [e for e in zh.entities.values() if e.type == "Organization"], zh.entities


def test_taiwan_words_of_change_visitors_and_a_regional_head(chinese):
    """成長 / 年增 / 衰退 as changes, 人次 a classifier of visits, LINE台灣總經理: the organisation's title."""
    zh = chinese.extract(_article("標題\n\nDcard的每月不重複訪客已突破2,000萬人次，去年的營收成長了35%，廣告收入衰退8%。"
                                  "LINE台灣總經理陳立人表示，LINE在台灣的月活躍用戶達2,100萬。"))
    figures = {f.text: (f.value, f.canonical, f.growth) for f in zh.figures}
    assert figures["2,000萬人次"] == (2e7, "visits", False), figures
    assert figures["35%"] == (35, "revenue", True) and figures["8%"] == (-8, "revenue", True), figures
    assert ("陈立人", "總經理", "LINE") in _roles(zh), _roles(zh)


def test_a_successor_takes_the_title_left(chinese):
    roles = _roles(chinese.extract(_article("标题\n\n字节跳动宣布，创始人张一鸣已卸任CEO，由联合创始人梁汝波接任。")))
    assert ("梁汝波", "CEO", "字节跳动") in roles and ("梁汝波", "联合创始人", "字节跳动") in roles, roles


def test_an_event_named_after_an_ordinal_with_a_known_name_inside(chinese):
    zh = chinese.extract(_article("标题\n\n抖音副总裁李亮在第二届抖音创作者大会上透露，抖音的日均视频搜索量已超过4亿次。"))
    assert "第二届抖音创作者大会" in {e.name for e in zh.entities.values() if e.type == "Event"}, zh.entities


def test_joined_lines_of_business_one_of_the_founders_and_transliterated_names(chinese):
    """快手高级副总裁、主站负责人NAME: both titles at 快手; 是…的联合创始人之一; 马克·扎克伯格 is one person."""
    zh = chinese.extract(_article("标题\n\n据知情人士透露，快手高级副总裁、主站负责人马宏远将离职。许晨光是腾讯的联合创始人之一。"
                                  "Meta创始人马克·扎克伯格表示，Threads的用户在增长。埃隆·马斯克说，X平台也在增长。"))
    roles = _roles(zh)
    assert {("马宏远", "高级副总裁", "快手"), ("马宏远", "主站负责人", "快手"), ("许晨光", "联合创始人", "腾讯"),
            ("马克·扎克伯格", "创始人", "Meta")} <= roles, roles
    assert {"马克·扎克伯格", "埃隆·马斯克"} <= {e.name for e in zh.entities.values() if e.type == "Person"}


def test_changes_in_points_and_unmapped_measures_after_a_number(chinese):
    """环比-2.3pcts: a signed change in percentage points; 1万名创作者 counts creators (no canonical metric)."""
    figures = _figures(chinese, "快手毛利率环比-2.3pcts至41.5%。快手计划扶持1万名创作者。")
    assert figures["-2.3pcts"][:3] == (-2.3, None, True) and figures["41.5%"][1] is None, figures
    assert figures["1万名"][1] is None, figures


def test_numbers_listed_after_fenbie_are_about_the_names_in_the_same_order(chinese):
    subjects = _subjects(chinese, "抖音、快手和B站的月活跃用户分别为7亿、4亿和3亿。")
    assert subjects == {"7亿": "抖音", "4亿": "快手", "3亿": "B站"}, subjects


def test_a_known_company_and_its_known_unit_are_two_names(chinese):
    zh = chinese.extract(_article("标题\n\n腾讯平台与内容事业群总裁任宇昕表示，QQ还会增长。"))
    assert {"腾讯", "平台与内容事业群"} <= {e.name for e in zh.entities.values()}, zh.entities
    assert ("任宇昕", "总裁", "平台与内容事业群") in _roles(zh)


def test_a_unit_named_with_its_short_name_in_brackets(chinese):
    """平台与内容事业群内容与服务线（内服线）: a unit of two nouns joined by 与, cued by its short name, a name of its
    own after the known unit; the short name used alone later is the same unit; 王立（Leo） leaves it."""
    body = ("标题\n\n腾讯调整了架构：现任副总裁王立（Leo）不再担任平台与内容事业群内容与服务线（内服线）负责人；"
            "李明接任内服线负责人。")
    zh = chinese.extract(_article(body))
    roles = _roles(zh)
    assert {("王立", "负责人", "内服线"), ("李明", "负责人", "内服线")} <= roles, roles
    unit = next(e for e in zh.entities.values() if e.name == "内服线")
    assert unit.type == "Organization" and "内容与服务线" in unit.aliases


def test_a_measure_named_as_a_topic_or_by_the_figure_before(chinese):
    """至于日活跃用户，…1亿: the topic's measure; 全年数字…为3.15亿: "the number" of the measure before."""
    figures = _figures(chinese, "小红书月活跃用户约为3.2亿。易观分析给出的全年数字略低，为3.15亿。"
                                "至于日活跃用户，多份报告的估算都在1亿上下。")
    assert (figures["3.15亿"][1], figures["1亿"][1]) == ("monthly active users", "daily active users"), figures


def test_a_title_introduced_by_zuowei_before_the_name(chinese):
    """作为B站的创始人，徐逸…; 身为快手CEO的程一笑; 新任知乎总裁的李大海: the title before 的 or the comma."""
    roles = _roles(chinese.extract(_article("标题\n\n作为B站的创始人，徐逸很少露面。身为快手CEO的程一笑在大会上表示，"
                                            "用户还会增长。新任知乎总裁的李大海此前担任知乎CTO。")))
    assert {("徐逸", "创始人", "B站"), ("程一笑", "CEO", "快手"), ("李大海", "总裁", "知乎"), ("李大海", "CTO", "知乎")} <= roles, roles


def test_business_words_in_latin_letters_are_no_products(chinese):
    zh = chinese.extract(_article("标题\n\n该公司今年推出了面向企业的SaaS服务，还上线了Plog功能和AI Agent工具。"))
    assert not [e.name for e in zh.entities.values() if e.type == "Product"], zh.entities


def test_hong_kong_filing_aliases(chinese):
    """（「星辰互娛」或「本公司」，股份代號：01234）: the first quoted name is the company's alias."""
    zh = chinese.extract(_article("標題\n\n星辰互娛控股有限公司（「星辰互娛」或「本公司」，香港聯交所股份代號：01234）今天公佈業績。"
                                  "星辰互娛的收入為5億元。"))
    company = next(e for e in zh.entities.values() if e.type == "Organization" and "星辰互娱" in e.name)
    assert "星辰互娱" in {company.name, *company.aliases}, company
    assert [zh.entities[f.subject].key for f in zh.figures] == [company.key]


def test_a_name_across_two_common_words_an_idiom_a_programme_and_a_from_to_with_you(chinese):
    """其中兴趣: no 中兴 (ZTE); 成千上万 is no figure; 启动“X计划”: a programme; 毛利率由7.9%升至22.8%: one measure."""
    zh = chinese.extract(_article("标题\n\n其中兴趣社区的用户规模为8.1亿，成千上万的作者加入了进来。微博今天宣布启动“晨光计划”。"
                                  "云音乐的毛利率由去年同期的7.9%升至22.8%。"))
    names = {e.name for e in zh.entities.values()}
    assert "中兴" not in names and "晨光计划" in names, names
    figures = {f.text: f for f in zh.figures}
    assert "上万" not in figures, figures
    assert figures["22.8%"].canonical is None and figures["22.8%"].metric == figures["7.9%"].metric


def test_names_jieba_half_knows_and_surnames_of_fresh_articles(chinese):
    """邝/宇航回忆说: a lone surname and a word jieba tags as a name are one name before a speech verb; 简 and 邝 are
    surnames (a name after a title)."""
    zh = chinese.extract(_article("标题\n\n“先把社区做小。”邝宇航回忆说。执行长简文昊则表示，今年不会再扩张。"))
    persons = {e.name for e in zh.entities.values() if e.type == "Person"}
    assert {"邝宇航", "简文昊"} <= persons, persons


def test_organisations_of_common_words_and_words_inside_a_unit(chinese):
    """X网络科技有限公司 and X创投 are companies whatever their words; 抖音安全中心 (安全 an) and 网络治理研究中心 (治理
    v between nouns) are one name each; 通报会 is a meeting; 行销顾问公司凯络媒体: the kind of company describes it."""
    zh = chinese.extract(_article("标题\n\n他在杭州创办了青禾网络科技有限公司，随后拿到了由远山创投领投的融资。"
                                  "抖音安全中心负责人许思远在通报会上介绍了进展。北京大学网络治理研究中心主任葛婷认为，整改要快。"
                                  "行销顾问公司凯络媒体研究总监吴姿颖分析，广告主更谨慎了。"))
    orgs = {e.name for e in zh.entities.values() if e.type == "Organization"}
    assert {"青禾网络科技有限公司", "远山创投", "抖音安全中心", "北京大学网络治理研究中心", "凯络媒体"} <= orgs, orgs
    assert "通报会" not in orgs and not any(o.startswith("行销") for o in orgs), orgs
    assert ("吴姿颖", "研究总监", "凯络媒体") in _roles(zh), _roles(zh)


def test_quoted_products_used_again_counted_and_campaigns(chinese):
    """社区App“拾光”, then bare 拾光: one product, the subject of its figures; “甲”“乙”两款…应用: products counted
    with 款; “清朗·X”专项行动: a campaign (an event)."""
    zh = chinese.extract(_article("标题\n\n网信办启动了“清朗·直播乱象整治”专项行动。检查发现，“聊几句”“夜航船”两款社交应用问题突出。"
                                  "兴趣社区App“拾光”去年上线。如今，拾光的月活跃用户约为800万。"))
    types = {e.name: e.type for e in zh.entities.values()}
    assert (types.get("清朗·直播乱象整治"), types.get("聊几句"), types.get("夜航船")) == ("Event", "Product", "Product"), types
    assert {f.text: zh.entities[f.subject].name for f in zh.figures if f.subject}.get("800万") == "拾光", zh.figures


def test_an_analysts_employer_is_neither_a_subject_nor_the_company_of_bare_titles(chinese):
    """华泰证券分析师NAME问及…; then CFO樊欣 and a figure with no name in its clause: both are the article's company
    (named most), not the broker named last; likewise a consultancy before 研究总监."""
    zh = chinese.extract(_article("标题\n\n哔哩哔哩第三季度总营收为73.1亿元。B站的日活跃用户达到1.07亿。中信证券分析师韦思琪问及毛利率。"
                                  "CFO樊欣回应称，毛利率已达到35.9%。凯络媒体研究总监吴姿颖分析，平均每次停留约11分钟。"))
    subjects = {f.text: zh.entities[f.subject].name for f in zh.figures if f.subject}
    assert subjects.get("35.9%") == subjects.get("11分钟") == subjects["73.1亿元"], subjects
    assert ("樊欣", "CFO", zh.entities[next(f.subject for f in zh.figures if f.text == "73.1亿元")].name) in _roles(zh), _roles(zh)


def test_acronyms_named_often_owners_nicknames_and_founders(chinese):
    """KKB named three times (or before a title) is a platform, not a metric acronym (and not B站 cut out of it);
    Meta旗下: a company; 站长「阿光」说: the name the person goes by, with the title; 由NAME在…架设: a person."""
    zh = chinese.extract(_article("标题\n\n打开KKB就能看到新帖。KKB站长「阿光」说：「只要还有人上站，我们就开着。」这个由郑奕辰在1997年架设的"
                                  "KKB至今仍在运行。Meta旗下的Threads增长很快。GMV也在增长。"))
    types = {e.name: e.type for e in zh.entities.values()}
    assert (types.get("KKB"), types.get("Meta"), types.get("阿光"), types.get("郑奕辰")) == (
        "Product", "Organization", "Person", "Person"), types
    assert "GMV" not in types
    assert ("阿光", "站长", "KKB") in _roles(zh), _roles(zh)
    assert [zh.entities[q.speaker].name for q in zh.quotes] == ["阿光"]


def test_funding_rounds_short_company_names_and_scaled_counts_after_hao(chinese):
    """青禾网络科技有限公司, later 青禾: one company; 由远山创投领投的5000万元B轮融资 is 青禾's funding, not the
    investor's; 违规账号3.2万个 is a count (账号 ends in 号, a scale follows)."""
    zh = chinese.extract(_article("标题\n\n他在杭州创办了青禾网络科技有限公司。同年，青禾拿到了由远山创投领投的5000万元B轮融资。"
                                  "网信部门处置违规账号3.2万个。"))
    figures = {f.text: f for f in zh.figures}
    assert figures["5000万元"].canonical == "funding", figures
    assert zh.entities[figures["5000万元"].subject].name in ("青禾", "青禾网络科技有限公司"), figures
    assert "青禾网络科技有限公司" in {zh.entities[figures["5000万元"].subject].name, *zh.entities[figures["5000万元"].subject].aliases}
    assert figures["3.2万个"].canonical == "accounts", figures


def test_the_organisation_named_before_a_title_and_a_name(chinese):
    """恋爱记创始人付小龙表示: the words heading the clause before the title name the employer; not 现任 (a common
    word), 产品团队 (a team) or 游戏公司 (a kind of company)."""
    zh = chinese.extract(_article("标题\n\n恋爱记创始人付小龙表示，用户已有3000万。现任执行长简文昊受访时说，今年不扩张。"
                                  "产品团队负责人郑可欣称，新版本下月上线。游戏公司创始人汪海洋认为，市场在变。"))
    orgs = {e.name for e in zh.entities.values() if e.type == "Organization"}
    assert orgs == {"恋爱记"}, orgs
    assert ("付小龙", "创始人", "恋爱记") in _roles(zh), _roles(zh)


def test_products_named_by_characters_jieba_does_not_know_or_by_a_naming_verb(chinese):
    """打开陌言App, 在耳觅平台上: unknown characters before a product noun; 一款名为拾光的社交应用: the name given;
    not 叫遇见的小程序 (遇见 is a common word) nor 新平台 (one character)."""
    zh = chinese.extract(_article("标题\n\n年轻人更喜欢打开陌言App聊天。用户可以在耳觅平台上找到同好。这款名为拾光的社交应用上线了。"
                                  "她做了一款叫遇见的小程序，放在新平台上。"))
    products = {e.name for e in zh.entities.values() if e.type == "Product"}
    assert {"陌言", "耳觅", "拾光"} <= products and not {"遇见", "新平台", "新"} & products, products


def test_kinds_of_posts_sizes_that_grew_to_a_number_and_products_referred_to(chinese):
    """1200万条辱骂类评论: the kind joins the noun (posts); 团队也扩编到超过300人: the measure ends before the verb;
    平台上的兴趣房间: 平台上 is the owner, not the measure; 这款游戏…3000万: the game last named."""
    figures = {f.text: f for f in chinese.extract(_article(
        "标题\n\n微博过去一个月拦截了超过1200万条辱骂类评论。公司团队也扩编到超过300人。平台上的兴趣房间已超过60万个。"
        "网易的《逆水寒》手游7月上线。他透露，这款游戏上线首月的注册玩家已突破3000万。")).figures}
    assert (figures["1200万条"].metric, figures["1200万条"].canonical) == ("辱骂类评论", "posts"), figures["1200万条"]
    assert (figures["300人"].metric, figures["60万个"].metric) == ("团队", "兴趣房间"), figures
    zh = chinese.extract(_article("标题\n\n网易的《逆水寒》手游7月上线。他透露，这款游戏上线首月的注册玩家已突破3000万。"))
    assert [zh.entities[f.subject].name for f in zh.figures] == ["逆水寒"], zh.figures


def test_compound_sums_and_names_written_with_their_english_form(chinese):
    """129億7,200萬美元 is one sum (亿 and 万 added up); 行政總裁朱克伯格(Mark Zuckerberg)表示: the whole Chinese name,
    keyed and named in English by the form in brackets (the key an English report gets)."""
    zh = chinese.extract(_article("標題\n\n營業額達到129億7,200萬美元，每日活躍用戶數達14億100萬人。"
                                  "公司行政總裁朱克伯格(Mark Zuckerberg)表示：「我們的社區及業務持續快速增長。」"))
    assert {f.text: f.value for f in zh.figures} == {"129億7,200萬美元": 12_972_000_000, "14億100萬人": 1_401_000_000}
    person = zh.entities["person/mark-zuckerberg"]
    assert person.name == "朱克伯格" and person.names.get("en") == "Mark Zuckerberg", person
    assert [zh.entities[q.speaker].name for q in zh.quotes] == ["朱克伯格"]


def test_names_listed_after_a_persons_name(chinese):
    """（记者白瀛、史竞男）, 创始人马化腾、张志东表示: a name joined by 、 to a person's is a person; not a common word
    after 、 (记者白瀛、新华社)."""
    zh = chinese.extract(_article("标题\n\n新华社北京11月16日电（记者白瀛、史竞男）国家网信办通报了进展。"
                                  "腾讯创始人马化腾、张志东表示，公司会继续投入。网友李想、同学们都在讨论。"))
    persons = {e.name for e in zh.entities.values() if e.type == "Person"}
    assert {"白瀛", "史竞男", "马化腾", "张志东", "李想"} <= persons and "同学" not in persons, persons


def test_a_students_school_is_not_the_company_of_the_article(chinese):
    """Dcard由台大资管系学生NAME创立: 台大 (a gazetteer name) is where the founder studied; the company's figures
    and bare titles stay Dcard's."""
    zh = chinese.extract(_article("标题\n\nDcard由台大资管系学生简文昊在2011年创立。现任执行长简文昊表示，公司去年营收年增35%。"))
    assert {e.name for e in zh.entities.values() if e.type == "Organization"} == {"台大"}, zh.entities
    assert [zh.entities[f.subject].name for f in zh.figures] == ["Dcard"], zh.figures
    assert ("简文昊", "执行长", "Dcard") in _roles(zh), _roles(zh)


def test_a_sentence_that_refers_to_the_person_gives_the_title(chinese):
    """这位…创业者，是兴趣社区App“同频”的创始人兼CEO; 他是快手的联合创始人: titles of the person last named."""
    zh = chinese.extract(_article("标题\n\n“先把社区做小。”邝宇航回忆说。这位1989年出生的创业者，是兴趣社区App“同频”的创始人兼CEO。"
                                  "“短视频会改变很多人。”程一笑表示。他是快手的联合创始人。"))
    assert {("邝宇航", "创始人", "同频"), ("邝宇航", "CEO", "同频"), ("程一笑", "联合创始人", "快手")} <= _roles(zh), _roles(zh)


def test_familiar_names_after_a_title_and_quoted_names_closed_by_deng(chinese):
    """豆瓣创始人阿北: a familiar name after a title (not 小时 in CEO小时候); “甲”“乙”等违规…的网站: products."""
    zh = chinese.extract(_article("标题\n\n豆瓣鹅组是豆瓣创始人阿北“心尖”上的小组。这位CEO小时候很内向。"
                                  "依法查处“雷达财经网”“体育大生意”等违规从事互联网新闻信息服务的网站和账号。"))
    types = {e.name: e.type for e in zh.entities.values()}
    assert (types.get("阿北"), types.get("雷达财经网"), types.get("体育大生意")) == ("Person", "Product", "Product"), types
    assert "小时" not in types and ("阿北", "创始人", "豆瓣") in _roles(zh), (types, _roles(zh))


def test_creators_named_in_quotation_marks_or_by_a_handle(chinese):
    """UP主“老番茄”, 博主@papi酱发布 (a handle of Latin letters and one character), 博主@李子柒 (up to a space): persons."""
    zh = chinese.extract(_article("标题\n\nB站UP主“老番茄”的粉丝超过1800万。知名博主@papi酱发布了新视频。博主@李子柒 也更新了。"))
    assert {e.name for e in zh.entities.values() if e.type == "Person"} == {"老番茄", "papi酱", "李子柒"}, zh.entities


def test_registered_names_start_with_their_place_and_units_of_a_known_organisation(chinese):
    """深圳回响互动科技有限公司 (互动 tagged d), 杭州圈聊网络技术有限公司 (圈 q, 聊 v): a registered name runs from the
    place it starts with; 杭州市西湖区人民法院, 浙江大学光华法学院: places and known names before jieba's nt join it."""
    zh = chinese.extract(_article("标题\n\n应用“声浪”的运营方深圳回响互动科技有限公司新增一份判决书。回响公司起诉杭州圈聊网络技术有限公司。"
                                  "杭州市西湖区人民法院审理认为。浙江大学光华法学院副教授龚培文认为，这很关键。"))
    orgs = {e.name for e in zh.entities.values() if e.type == "Organization"}
    assert {"深圳回响互动科技有限公司", "杭州圈聊网络技术有限公司", "杭州市西湖区人民法院", "浙江大学光华法学院"} <= orgs, orgs
    assert not {e.name for e in zh.entities.values() if e.type == "Place"}, zh.entities


def test_sponsors_and_the_exchange_are_not_the_company_of_a_listing(chinese):
    """摩根士丹利及中金公司为联席保荐人, 向港交所递交: neither the banks nor the exchange are the company whose figures
    and bare titles the filing gives."""
    zh = chinese.extract(_article("标题\n\n社交应用“遇见星球”的营运商星遇控股有限公司（下称“星遇”）昨日向港交所递交上市申请，"
                                  "摩根士丹利及中金公司为联席保荐人。财务方面，收入为22.3亿元。创始人兼行政总裁岑子朗持股约31.5%。"))
    company = next(e.name for e in zh.entities.values() if e.type == "Organization" and "星遇" in e.name)
    assert {f.text: zh.entities[f.subject].name for f in zh.figures if f.subject}.get("22.3亿元") == company, zh.figures
    assert ("岑子朗", "行政总裁", company) in _roles(zh), _roles(zh)


def test_a_preposition_after_a_title_is_no_name(chinese):
    """分析师向本报指出, 发言人对记者说: 向 / 对 before a common word are prepositions; CEO向华强表示 is a name."""
    zh = chinese.extract(_article("标题\n\n有投行分析师向本报指出，估值已回落。发言人对记者说，会继续。CEO向华强表示，用户在增长。"))
    assert {e.name for e in zh.entities.values() if e.type == "Person"} == {"向华强"}, zh.entities


def test_from_to_levels_with_a_currency_before_each(chinese):
    """由2022年的人民幣14.6億元增至2024年的人民幣22.3億元: one measure for both levels (收入), currency or not."""
    figures = _figures(chinese, "星遇的收入由2022年的人民幣14.6億元增至2024年的人民幣22.3億元。")
    assert figures["14.6億元"][1] == figures["22.3億元"][1] == "revenue", figures


def test_a_figure_with_no_name_is_about_what_the_article_names_again_and_again(chinese):
    """即刻App由北京某某信息技术有限公司运营 (named once), then answers about 即刻 with no name in them: 即刻's."""
    subjects = _subjects(chinese, "即刻App由北京心光流美信息技术有限公司运营，即刻的月活跃用户突破500万。即刻这两年增长很快。"
                                  "问：即刻的用户是谁？答：新用户里大约六成是被老用户拉进来的。")
    assert subjects["六成"] == "即刻", subjects


def test_company_references_the_users_measured_before_and_time_per_user(chinese):
    """公司去年…: the company last named, not its app; 每名日活跃用户每日平均使用时长 after the app's daily users: the
    app's, and time spent; 收费增值服务注册账户数 after QQ's accounts is no measure of QQ's users."""
    subjects = _subjects(chinese, "星遇控股有限公司（下称“星遇”）营运社交应用“遇见星球”。遇见星球的平均日活跃用户为980万。"
                                  "每名日活跃用户每日平均使用时长约为52分钟。星遇的收入为22.3亿元。公司去年录得经调整净利润1.9亿元。")
    assert subjects["52分钟"] == "遇见星球" and subjects["1.9亿元"].startswith("星遇"), subjects
    assert _figures(chinese, "每名日活跃用户每日平均使用时长约为52分钟。")["52分钟"][1] == "time spent"
    carried = _subjects(chinese, "腾讯公布业绩。QQ移动终端月活跃账户数为5.53亿。收费增值服务注册账户数为2.60亿。")
    assert carried["2.60亿"] == "腾讯", carried


def test_upper_bounds_and_measures_of_teams_circles_and_sums_raised(chinese):
    """料不超过2亿美元: at most, and 不 no part of the measure (集资规模: funding); 团队目前只有60多人 (employees);
    3万个圈子 (groups)."""
    zh = chinese.extract(_article("标题\n\n此次集资规模料不超过2亿美元。团队目前只有60多人。站内有超过3万个圈子。"))
    figures = {f.text: f for f in zh.figures}
    assert (figures["2亿美元"].approximation, figures["2亿美元"].canonical) == ("at most", "funding"), figures["2亿美元"]
    assert (figures["60多人"].canonical, figures["3万个"].canonical) == ("employees", "groups"), figures


def test_stakes_are_their_holders_and_account_names_are_no_products(chinese):
    """创始人岑子朗持股约31.5%，腾讯持股约7.9%: each stake is its holder's (a person's too); 名为“X”的账号 is an
    account's name, no product."""
    zh = chinese.extract(_article("标题\n\n“先做社区。”岑子朗表示。创始人岑子朗持股约31.5%，腾讯持股约7.9%。"
                                  "有人注册了名为“声浪内部员工”的账号。"))
    assert {f.text: zh.entities[f.subject].name for f in zh.figures} == {"31.5%": "岑子朗", "7.9%": "腾讯"}, zh.figures
    assert "声浪内部员工" not in {e.name for e in zh.entities.values()}, zh.entities


def test_taiwan_measures_have_their_canonical_metrics(chinese):
    """稅後淨利 (net income), 月活躍會員 (monthly active users, not members), 觀看時數 (time spent)."""
    figures = _figures(chinese, "稅後淨利為6,300萬元。樂聚的月活躍會員已達到420萬人。影音內容的觀看時數為800萬小時。")
    assert [figures[t][1] for t in ("6,300萬元", "420萬人", "800萬小時")] == ["net income", "monthly active users", "time spent"], figures
