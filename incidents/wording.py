"""Chinese text for early warning and similar cases: segmentation (jieba) and escalation-word
matching.

Words are matched on segmented text, not as substrings, so that a word is found where it is a
word and not where its characters happen to sit inside another one:

- "再不处理我就找媒体曝光" segments to 找/媒体/曝光: 媒体 and 曝光 match, with no spaces needed;
- "多媒体教室" segments to 多媒体/教室: 媒体 does not match (a projector complaint is no threat);
- "请填写记者证号码栏" segments, with 记者证 (press card) in our dictionary, to 记者证/号码/栏:
  记者 does not match. jieba's own dictionary lacks 记者证 and would cut 记者/证号码.

A configured phrase jieba splits ("拉横幅" → 拉/横幅) is added to the dictionary so it stays one
word; one that still splits matches as the same words in a row.
"""

import logging
import threading

import jieba
from django.utils.translation import gettext as _

# Words of the property trade and of form fields, so jieba cuts them whole (see the module doc).
DOMAIN_WORDS = [
    "记者证", "记者站", "律师事务所", "物业费", "物业公司", "物业管理处", "管理处", "业委会", "业主委员会", "居委会", "街道办",
    "业主群", "地下车库", "电梯困人", "高空坠物", "燃气味", "漏水", "渗水", "装修垃圾", "维修基金", "12345热线",
]
# Frequent enough to win over jieba's own cuts (its dictionary tops out around 10^6).
_FREQ = 2_000_000
_lock = threading.Lock()
_state = {"tokenizer": None, "added": set()}


def tokenizer() -> jieba.Tokenizer:
    """Our own jieba tokenizer (the module-wide one is left alone), with the trade's words."""
    with _lock:
        if _state["tokenizer"] is None:
            jieba.setLogLevel(logging.WARNING)
            tok = jieba.Tokenizer()
            tok.initialize()
            for word in DOMAIN_WORDS:
                tok.add_word(word, freq=_FREQ * 2)
            _state["tokenizer"] = tok
        return _state["tokenizer"]


def words_add(words) -> None:
    """Add words (estate names, configured escalation phrases) to the dictionary, once each. A
    word jieba already knows keeps its own frequency, so 记者 does not outweigh 记者证."""
    tok = tokenizer()
    with _lock:
        for word in words:
            word = (word or "").strip()
            if not word or word in _state["added"]:
                continue
            _state["added"].add(word)
            if word not in tok.FREQ or not tok.FREQ[word]:
                tok.add_word(word, freq=_FREQ)


def segment(text: str) -> list[str]:
    """The words of `text`, spaces and punctuation dropped, Latin letters lower-cased."""
    return [w.lower() for w in tokenizer().lcut(text or "") if w.strip() and not _is_punctuation(w)]


def _is_punctuation(word: str) -> bool:
    return all(not ch.isalnum() for ch in word)


def matches(text: str, words) -> list[str]:
    """Which of `words` occur in `text` as words (or as runs of words), in `words`' order."""
    return matcher(words)(text)


def matcher(words):
    """`matches` for many texts: the words are added to the dictionary and segmented once, and
    only the words that occur in a text as substrings are looked for in its segmentation (a
    word found by segmentation is always a substring too)."""
    words = [w for w in words if w]
    if not words:
        return lambda text: []
    words_add(words)
    wanted = [(word, segment(word)) for word in words]

    def find(text: str) -> list[str]:
        candidates = [(word, run) for word, run in wanted if run and word.lower() in (text or "").lower()]
        if not candidates:
            return []
        tokens = segment(text)
        return [word for word, run in candidates if _contains_run(tokens, run)]

    return find


def _contains_run(tokens, run) -> bool:
    n = len(run)
    return any(tokens[i:i + n] == run for i in range(len(tokens) - n + 1))


def prefilter(words) -> list[str]:
    """Substrings a text must contain to be worth segmenting: each word itself (a word found by
    segmentation is always also a substring), so the database narrows first."""
    return sorted({w for w in words if w})


# --- a signal's summary, worded when read ----------------------------------------------------------
# Stored as the rule and its parameters (WarningSignal.params), turned into a sentence here in the
# reader's language, as incidents.timeline does for an incident's timeline entries.

def _what(p) -> str:
    if p.get("what") == "complaint":
        return _("complaint %(number)s") % {"number": p.get("number", "")}
    if p.get("what") == "message":
        return _("an owner's message on %(number)s") % {"number": p.get("number", "")}
    return _("a media mention")


def _place(signal) -> str:
    building, estate = signal.building, signal.estate
    return building.name if building else estate.name if estate else ""


def _spike(p, signal):
    return _("%(count)d “%(category)s” complaints in %(place)s within %(hours)d hours") % {
        "count": p["count"], "category": str(signal.category or ""), "place": _place(signal), "hours": p["hours"]}


def _words(p, signal):
    return _("“%(words)s” in %(what)s") % {"words": "、".join(p["words"]), "what": _what(p)}


def _reach(p, signal):
    return _("Negative post reaching %(reach)s people: %(excerpt)s") % {"reach": f"{p['reach']:,}", "excerpt": p.get("excerpt", "")}


def _owner(p, signal):
    return _("%(name)s has %(count)d unresolved complaints") % {"name": p.get("name", ""), "count": p["count"]}


def _reopened(p, signal):
    return _("Complaint %(number)s reopened %(count)d times") % {"number": p.get("number", ""), "count": p["count"]}


def _sla(p, signal):
    return _("%(count)d SLA breaches in %(estate)s within %(hours)d hours") % {
        "count": p["count"], "estate": signal.estate.name if signal.estate else "", "hours": p["hours"]}


TITLES = {"spike": _spike, "words": _words, "media_reach": _reach, "repeat_owner": _owner, "reopened": _reopened,
          "sla_pileup": _sla}


def signal_title(signal) -> str:
    """A signal's summary in the active language, from its rule and parameters. A row without
    parameters (raised before they were stored, and not filled in by the migration) reads as
    the title it was stored with."""
    sentence = TITLES.get(signal.rule)
    if sentence is None or not signal.params:
        return signal.title
    try:
        return sentence(signal.params, signal)
    except (KeyError, TypeError, ValueError):  # parameters of another shape still read as the stored title
        return signal.title
