"""English entity recognition and typing (extract/entities.py) with the real model: sentences of our own that carry
the constructions real articles use."""

from commgraph.sources import Article


def _extract(extractor, body: str, title: str = "Test"):
    return extractor.extract(Article(id="entities", title=title, body=body, source="test"))


def _types(x) -> dict[str, str]:
    """Entity name -> type of one extraction."""
    return {e.name: e.type for e in x.entities.values()}


def _entity_of(x, mention_text: str) -> str:
    """The name of the entity a mention with this text resolved to."""
    return next(x.entities[m.entity].name for m in x.mentions if m.text == mention_text)


def test_a_paragraph_opening_with_the_word_photo_is_no_credit_line(extractor):
    """'Photo sharing service Instagram, ...' opens a paragraph of the story; 'Photo: Name/Agency' is a credit."""
    body = ("Photo sharing service Instagram, which Facebook bought in 2012, passed 600 million users, and Facebook "
            "founder Mark Zuckerberg said messaging would come next.\n\n"
            "Photo: Lin Wei/Handout\n\nTencent declined to comment.")
    types = _types(_extract(extractor, body, "Instagram grows"))
    assert types.get("Instagram") == "Product" and types.get("Mark Zuckerberg") == "Person", types
    assert "Lin Wei" not in types, types


def test_an_honorific_and_a_surname_is_the_person_named_before(extractor):
    body = ("Zhang Yiming founded ByteDance in 2012 and hired Rubo Liang as head of human resources. "
            "Mr Zhang wrote to staff that Mr Liang would take over as chief executive. "
            "Mr Liang has said little in public.")
    x = _extract(extractor, body, "ByteDance founder steps aside")
    people = sorted(e.name for e in x.entities.values() if e.type == "Person")
    assert people == ["Rubo Liang", "Zhang Yiming"], people


def test_a_known_company_with_its_legal_form_is_that_company(extractor):
    body = ("Shares of Tencent Holdings Ltd. rose 2% in Hong Kong, and ByteDance Ltd said it had no plans to list. "
            "Tencent has a stake in Kuaishou.")
    x = _extract(extractor, body, "Tencent shares")
    organisations = sorted(e.name for e in x.entities.values() if e.type == "Organization")
    assert organisations == ["ByteDance", "Tencent"], organisations


def test_money_the_users_of_a_platform_and_an_ir_team_are_no_entities(extractor):
    body = ("Kuaishou priced its shares at HK$115 apiece. Thousands of TikTokers moved to Xiaohongshu in a week. "
            "The IR team of Weibo said Big Tech was under pressure from regulators.")
    types = _types(_extract(extractor, body, "Kuaishou prices shares"))
    assert not {"HK$115", "TikTokers", "IR", "Big Tech"} & set(types), types
    assert types.get("Xiaohongshu") == "Product", types


def test_a_regional_arm_is_no_person(extractor):
    """'streamer' is said of people and of companies: a name ending in a region is a company's."""
    body = ("Jane Tan runs content at Vidstream Asia, the Singapore streamer. She said Chinese dramas sold well.")
    types = _types(_extract(extractor, body, "Streaming in Singapore"))
    assert types.get("Vidstream Asia") == "Organization" and types.get("Jane Tan") == "Person", types


def test_an_event_named_after_its_year(extractor):
    body = "Zhou Yuan founded Zhihu in 2011. He spoke at the 2021 Xinzhi Youth Conference in Beijing on Tuesday."
    types = _types(_extract(extractor, body, "Zhihu founder speaks"))
    assert types.get("Xinzhi Youth Conference") == "Event", types


def test_a_name_in_apposition_after_its_class_noun(extractor):
    """'its music contest show, The Rap of China, drew ...': the apposition's head noun types the name that follows
    it (the model called the show a person)."""
    body = ("iQiyi's first music contest show, The Rap of China, drew 2.6 billion views in twelve weeks. "
            "Gong Yu said the next season would start in June.")
    types = _types(_extract(extractor, body, "iQiyi show"))
    assert types.get("The Rap of China") == "CreativeWork", types


def test_an_adverb_after_a_name_is_no_part_of_it(extractor):
    body = "Tang, 35, told Fortune recently in Momo's offices in Beijing that the app would keep growing."
    x = _extract(extractor, body, "Momo founder")
    names = {e.name for e in x.entities.values()}
    assert "Fortune recently" not in names and "Fortune" in names, names


def test_well_known_platforms_and_companies_from_the_gazetteer(extractor):
    """The model calls Bigo Live a person and misses Lemon8; the gazetteer knows them (rules/gazetteer.toml)."""
    body = ("Joyy bought Bigo, which runs the streaming app Bigo Live and the short video app Likee, for $1.45 billion. "
            "ByteDance pointed American users to Lemon8, and the State Administration of Market Regulation said "
            "nothing.")
    types = _types(_extract(extractor, body, "Joyy and Bigo"))
    assert {n: types.get(n) for n in ("Bigo", "Bigo Live", "Likee", "Lemon8")} == {
        "Bigo": "Organization", "Bigo Live": "Product", "Likee": "Product", "Lemon8": "Product"}, types
    assert types.get("State Administration for Market Regulation") == "Organization", types
    fans = _types(_extract(extractor, "AngelaBaby and Yang Mi gained millions of fans on Weibo.", "Weibo stars"))
    assert fans.get("Angelababy") == "Person", fans
    bots = _types(_extract(extractor, "Baidu showed Ernie Bot in March; Alibaba answered with Tongyi Qianwen, and "
                                      "Wang Xiaochuan set up Baichuan Intelligence.", "Chatbots"))
    assert {n: bots.get(n) for n in ("ERNIE Bot", "Tongyi Qianwen", "Baichuan Intelligence")} == {
        "ERNIE Bot": "Product", "Tongyi Qianwen": "Product", "Baichuan Intelligence": "Organization"}, bots


def test_a_quoted_epithet_is_no_entity(extractor):
    """'the "Father of WeChat"' and 'dubbed the "Godfather of Live Streaming"' are other names of a person, not a
    work or a product; 'King of Glory' stays the game, and 'Players' opening the sentence is no name."""
    body = ('Tencent\'s "Father of WeChat", Allen Zhang, rarely gives interviews. Li Jiaqi has been dubbed the '
            '"Godfather of Live Streaming" by his fans. Players of King of Glory (王者荣耀), Tencent\'s biggest mobile '
            'game, can now watch a talk show about it.')
    x = _extract(extractor, body, "Nicknames")
    names = {e.name for e in x.entities.values()}
    assert not {"Father of WeChat", "Godfather of Live Streaming", "Players"} & names, names
    assert {"Allen Zhang", "Honor of Kings"} <= names, names


def test_an_event_by_the_words_around_it(extractor):
    """'on the sidelines of X', 'on stage at X', 'X, held in ...' make X an event (the model called them a place);
    'Alibaba held on to its stake' does not make Alibaba one."""
    body = ("We met Gong Yu on the sidelines of Filmart, the Hong Kong content market. Wang Yu said it on stage at "
            "TechCrunch Shanghai in 2017. Alibaba held on to its stake in Weibo.")
    types = _types(_extract(extractor, body, "Events"))
    assert types.get("Filmart") == "Event" and types.get("TechCrunch Shanghai") == "Event", types
    assert types.get("Alibaba") == "Organization", types


def test_a_known_companys_possession_the_model_took_for_a_place_is_its_product(extractor):
    """'Alibaba's Laiwang, launched in 2013' is an app; 'Tencent's Shenzhen headquarters' is still a place and the
    editor-in-chief of a site works at an organisation."""
    body = ("Alibaba's Laiwang, launched in 2013 to take on WeChat, became a workplace tool. Tencent's Shenzhen "
            "headquarters opened in 2017. Jeremy Goldkorn is editor-in-chief of SupChina.")
    types = _types(_extract(extractor, body, "Laiwang"))
    assert types.get("Laiwang") == "Product" and types.get("Shenzhen") == "Place", types
    assert types.get("SupChina") == "Organization", types


def test_a_campus_is_part_of_its_university_and_two_firms_joined_by_and_are_two(extractor):
    body = ("Yang earned a PhD at the University of California, San Diego, and Chen studied at the University of Texas "
            "at Austin. The startup raised money from Ceyuan and Legend Capital, and later from the Industrial and "
            "Commercial Bank of China.")
    names = {e.name for e in _extract(extractor, body, "Founders").entities.values() if e.type == "Organization"}
    assert {"University of California, San Diego", "University of Texas at Austin", "Ceyuan",
            "Legend Capital"} <= names, names
    assert not {"Ceyuan and Legend Capital", "Industrial", "San Diego", "Austin"} & names, names


def test_a_broker_named_by_a_common_word(extractor):
    """'Benchmark: Fawne Jiang ...' heading a line of a round-up, and 'Benchmark's Jiang': the model calls the broker
    a person or nothing; 'China's Xi Jinping' keeps its place."""
    body = ("Four brokers cut their targets on Friday.\n\n- Benchmark: Fawne Jiang is still a buyer, at $21.\n\n"
            "Benchmark's Jiang called the fall an overreaction. China's Xi Jinping said nothing about games.")
    types = _types(_extract(extractor, body, "Targets cut"))
    assert types.get("Benchmark") == "Organization" and types.get("Fawne Jiang") == "Person", types
    assert types.get("China") == "Place", types


def test_a_report_title_goes_on_past_its_publishers_words(extractor):
    """The model stops 'China Mobile Internet Q1 2020 Report' at 'China Mobile' (a company we know): the title goes
    on through quarters, years and hyphenated words to its head word, with the year and edition before it."""
    body = ("QuestMobile published its China Mobile Internet Q1 2020 Report on Tuesday, after its 2024 Semi-annual "
            "China Mobile Internet Strength Value List. Its China Mobile Internet Half-Year Report 2024 followed.")
    types = _types(_extract(extractor, body, "QuestMobile reports"))
    for title in ("China Mobile Internet Q1 2020 Report", "2024 Semi-annual China Mobile Internet Strength Value List",
                  "China Mobile Internet Half-Year Report 2024"):
        assert types.get(title) == "CreativeWork", (title, types)


def test_a_dateline_place_without_its_dash(extractor):
    body = "WUHAN --\n\nDouyu held its carnival on the bank of the Yangtze on Saturday night."
    names = {e.name for e in _extract(extractor, body, "Douyu carnival").entities.values()}
    assert "Wuhan" in names and "Wuhan -" not in names, names


def test_a_games_host_and_year_and_a_new_clause_after_a_comma(extractor):
    """'the Tokyo 2020 Olympic Games' is one event (not Tokyo and an event); 'According to the Sootoo Institute,
    the app was downloaded ...': the app after the comma is the next clause's subject, no apposition."""
    body = ("Kuaishou Technology will stream the Tokyo 2020 Olympic Games and the Beijing 2022 Winter Olympics on its "
            "app. According to the Sootoo Institute, the app was downloaded 87.5 million times in 2018.")
    types = _types(_extract(extractor, body, "Kuaishou and the Games"))
    assert types.get("Tokyo 2020 Olympic Games") == "Event" and "Tokyo" not in types, types
    assert types.get("Beijing 2022 Winter Olympics") == "Event", types
    assert types.get("Sootoo Institute") == "Organization", types


def test_a_company_after_its_class_noun_whatever_the_model_labelled(extractor):
    """'the sportswear maker Guirenniao' (the model: a person), 'the film studio New Classics Media' (a
    nationality), 'the research firm GameDiscoverCo' (nothing: a camel-case word)."""
    body = ("Money came from the sportswear maker Guirenniao and Divine Capital. China Literature also owns the film "
            "studio New Classics Media. Simon Carless, founder of the research firm GameDiscoverCo, said so.")
    types = _types(_extract(extractor, body, "Companies"))
    assert {n: types.get(n) for n in ("Guirenniao", "New Classics Media", "GameDiscoverCo")} == {
        "Guirenniao": "Organization", "New Classics Media": "Organization", "GameDiscoverCo": "Organization"}, types


def test_an_organisation_by_the_title_or_the_company_noun_before_it(extractor):
    """'a competition lawyer at Fenwick Lane' (the model: a place), 'the data provider Bihu Kankan' (a person);
    'the film maker Zhang Yimou' stays a person."""
    body = ("Hu Jiaming, a competition lawyer at Fenwick Lane in Beijing, said so. He sold 2 billion yuan of goods, "
            "according to the data provider Bihu Kankan. The film maker Zhang Yimou watched.")
    types = _types(_extract(extractor, body, "Lawyers"))
    assert types.get("Fenwick Lane") == "Organization" and types.get("Bihu Kankan") == "Organization", types
    assert types.get("Zhang Yimou") == "Person", types


def test_the_surname_he_before_a_given_name_and_a_comma(extractor):
    """'He Zheng, head of security at AsiaInfo:' opens with the surname He; the model read the pronoun and kept
    'Zheng'."""
    body = 'Four executives spoke to us.\n\nHe Zheng, head of security at AsiaInfo:\n\n"Security comes before growth."'
    people = {e.name for e in _extract(extractor, body, "Wuzhen voices").entities.values() if e.type == "Person"}
    assert people == {"He Zheng"}, people


def test_an_adjective_opening_a_sentence_is_no_name(extractor):
    """'Small investors ...' is no name; 'Qingting, a Shenzhen-based startup, ...' is (the parser tags the unknown
    name a common noun, but an apposition follows it)."""
    body = ("Kuaishou shares tripled. Small investors who missed out said the lottery favoured the rich. "
            "Qingting, a Shenzhen-based startup, raised $10 million.")
    types = _types(_extract(extractor, body, "Kuaishou debut"))
    assert "Small" not in types and types.get("Qingting") == "Organization", types


def test_worked_at_and_a_hyphenated_class_phrase_make_an_organisation(extractor):
    """'worked at Yitu' (the model: a place); 'Kuaigou, Kuaishou's e-commerce unit,' (the hyphen no longer ends the
    apposition before its noun)."""
    body = ("Liu worked at Yitu for years before she left for Tencent. Regulators opened an inquiry into Kuaigou, "
            "Kuaishou's e-commerce unit, over breaches of the law.")
    types = _types(_extract(extractor, body, "Liu"))
    assert types.get("Yitu") == "Organization" and types.get("Kuaigou") == "Organization", types


def test_what_a_class_noun_includes_takes_its_type(extractor):
    """'its series include Thirteen Invitations' (the model: an organisation), 'Its games include Honor of Kings and
    Peacekeeper Elite' (a person): the subject's class noun types the objects of 'include'."""
    body = ("Tencent News makes its own shows; its series include Thirteen Invitations and more. Tencent's games "
            "include Honor of Kings and Peacekeeper Elite.")
    types = _types(_extract(extractor, body, "Tencent News"))
    assert types.get("Thirteen Invitations") == "CreativeWork" and types.get("Peacekeeper Elite") == "Product", types


def test_an_analysts_rating_after_a_name_makes_a_person(extractor):
    body = "Three brokers moved on Friday.\n\nGoldman Sachs: Lincoln Kong, Neutral, lowers his target to $15.60."
    types = _types(_extract(extractor, body, "Targets"))
    assert types.get("Lincoln Kong") == "Person" and types.get("Goldman Sachs") == "Organization", types


def test_a_pinyin_surname_alone_is_a_person(extractor):
    body = '"If something happens at a big company, it is on Maimai first," said Wang, a developer at NetEase.'
    x = extractor.extract(Article(id="surname", title="Maimai", body=body, source="test"))
    assert {e.name: e.type for e in x.entities.values()}.get("Wang") == "Person", x.entities


def test_a_chinese_name_after_the_latin_one_in_a_ranked_list(extractor):
    """'He Jiong 何炅 - 113': the model runs name, Chinese name, dash and number together; the dash splits them and
    the Chinese name after the Latin one is no part of the first name either."""
    body = "The list, in millions of followers:\n\nXie Na 谢娜 - 124.\nHe Jiong 何炅 - 113.\nYang Mi 杨幂 - 104."
    people = {e.name for e in _extract(extractor, body, "Most followed").entities.values() if e.type == "Person"}
    assert people == {"He Jiong", "Yang Mi"}, people
