"""Property-based: generated sentences with numbers, quotes, names and titles go through the real extractor
(real model, our rules) and every one finishes quickly, with offsets that point at the text they name."""

import signal
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commgraph.sources import Article

NAMES = ["Momo", "Tencent", "QQ", "WeChat", "Weibo", "Tieba", "Douban", "Bilibili", "Tang Daosheng", "Yin Yu",
         "Penguin Intelligence", "the company", "It", "Zhao Jian (net name: Dangwang)", "Sina"]
TITLES = ["vice president", "chief executive", "CEO", "founder", "head of QQ groups", "general manager", "analyst"]
NOUNS = ["dating app", "social network", "community platform", "video site", "group chat service", "forum"]
UNITS = ["users", "monthly active users", "groups", "yuan", "members", "downloads", "percent of users", ""]
LEADS = ["", "Today, ", "In 2015, ", "According to Penguin Intelligence, ", "As of June 2016, ", "By revenue, ",
         "Last year, ", "However, "]
VERBS = ["reached", "has", "said it had", "grew to", "counted", "is at", "was", "topped", "fell to"]


@st.composite
def numbers(draw):
    n = draw(st.integers(min_value=0, max_value=10**9))
    return draw(st.sampled_from([
        f"{n:,}", f"{n % 1000}", f"{n % 100}.{n % 10}%", f"US${n % 100} billion", f"{n % 1000} million",
        f"{n % 50}.{n % 10} billion yuan", "tens of millions", "hundreds of thousands", f"{1990 + n % 40}",
        f"No. {n % 10}", "half", "a third", f"{n % 100}-{n % 100 + 5} million", f"¥{n % 1000}m"]))


@st.composite
def sentences(draw):
    name, other = draw(st.sampled_from(NAMES)), draw(st.sampled_from(NAMES))
    number, unit = draw(numbers()), draw(st.sampled_from(UNITS))
    lead, title = draw(st.sampled_from(LEADS)), draw(st.sampled_from(TITLES))
    quote = draw(st.sampled_from([f"We have {number} {unit}", "Groups are the future", f"{other} is No. 1",
                                  "It was hard", f"Up {number} from last year"]))
    return draw(st.sampled_from([
        f"{lead}{name} is the biggest {draw(st.sampled_from(NOUNS))} in China by revenue at {number}.",
        f"{lead}{name} {draw(st.sampled_from(VERBS))} {number} {unit}.",
        f"{name}, {title} of {other}, said: \u201c{quote}.\u201d",
        f"\"{quote},\" said {name}, {title} at {other}.",
        f"{number} {unit} of {name}, up {draw(numbers())} from {draw(numbers())}.",
        f"{name} ({title}) {draw(st.sampled_from(VERBS))} {number}.",
        f"{lead}{number}.",
        f"{title.title()} {name}: {number} {unit}, \u2018{quote}\u2019",
        draw(st.text(alphabet=st.sampled_from(list("abcQ WM19.,%$\u201c\u201d\"'()-:")), min_size=1, max_size=60)),
    ]))


class Slow(Exception):
    pass


def _alarm(signum, frame):
    raise Slow()


@pytest.fixture
def alarm():
    """Turns a hang inside the extractor (a Python loop) into a failure of this example, not of the session."""
    previous = signal.signal(signal.SIGALRM, _alarm)
    yield
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, previous)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(parts=st.lists(sentences(), min_size=1, max_size=4), breaks=st.booleans())
def test_generated_sentences_finish_quickly(extractor, alarm, parts, breaks):
    body = ("\n\n" if breaks else " ").join(parts)
    article = Article(id="fuzz", title="Fuzz", body=body, source="fuzz.txt")
    started = time.monotonic()
    signal.setitimer(signal.ITIMER_REAL, 10.0)
    try:
        extraction = extractor.extract(article)
    except Slow:
        pytest.fail(f"extraction did not finish within 10 s on {body!r}")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    assert time.monotonic() - started < 10.0
    for item in [*extraction.mentions, *extraction.figures, *extraction.sentences]:
        assert body[item.start:item.end] == item.text, (item, body)
