"""Similar past cases for an incident or a signal: the closest closed incidents (the knowledge
base: title, description, review cause and lessons) and recent complaints of the same estate,
each with why it matched.

The candidates come from the database, over the reader's own scope (the newest CANDIDATES of each
kind that share the type or a word), with pg_trgm's similarity() on PostgreSQL; they are scored
in Python:
- shared words: the query text's main words (segmented with jieba) found in the candidate, one
  point each — on every database;
- on PostgreSQL also pg_trgm's similarity() of the whole texts (0–1, weighted ×4);
- the same incident type (+1), the same estate (+0.5), the same complaint category (+1).
On SQLite (the embedded default) there is no pg_trgm: the shared words and the type and place
decide alone.
"""

import re
from collections import Counter
from datetime import timedelta

from django.db import connection
from django.db.models import F, FloatField, Func, Q, Value
from django.db.models.functions import Cast, Coalesce, Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.models import Complaint
from complaints.selectors import complaint_list_for

from .models import Incident, Stage
from .selectors import incident_list_for

WORDS_MAX = 8
SHOWN = 5
COMPLAINT_DAYS = 180
# Rows scored at most, of each kind: the newest that share the type or a word. Scoring (similarity()
# over the joined text) costs per row; every closed incident of a company was 1.4 s at 10,000.
CANDIDATES = 200
QUERY_COMPARED = 200
STOP = {"的", "了", "在", "是", "我", "有", "和", "就", "不", "人", "都", "一个", "也", "很", "到", "说", "要", "去", "你",
        "会", "着", "没有", "看", "好", "自己", "这", "我们", "他们", "已经", "还是", "希望", "物业", "业主", "尽快", "处理",
        "小区", "问题", "情况", "一直", "现在", "今天", "昨天", "时候", "这个", "那个", "什么", "没", "能", "请", "反映",
        # Filler and the parts of an address ("3号楼2单元" segments to 号楼 + 单元): every ticket has them, they say nothing.
        "马上", "看看", "一下", "导致", "出现", "发现", "麻烦", "谢谢", "请问", "号楼", "单元", "单元楼", "楼栋", "栋楼",
        "投诉", "电话", "告知", "不好", "联系", "打电话"}


def key_words(text: str) -> list[str]:
    """The query's main words: segmented, two characters or more, common words left out, the
    most frequent first."""
    from .wording import segment

    counts = Counter(w for w in segment(text) if len(w) >= 2 and w not in STOP and not w.isdigit())
    return [w for w, _n in counts.most_common(WORDS_MAX)]


class Similarity(Func):
    function = "similarity"
    output_field = FloatField()


def _sim(field, query):
    if connection.vendor == "postgresql" and query:
        # similarity() re-reads the query's trigrams for every candidate: 200 characters say what the
        # case is about (a signal's query strings five tickets together) at half the cost of 500.
        return Similarity(F(field), Value(query[:QUERY_COMPARED]))
    return Value(0.0, output_field=FloatField())


def _query_of(incident=None, signal=None, user=None):
    if incident is not None:
        return f"{incident.title} {incident.description}"[:1000], incident.estate_id, incident.kind, None
    parts = [signal.title] + [m.get("text", "") for m in signal.evidence.get("matches", [])]
    ids = [int(i) for i in signal.evidence.get("complaints", [])][:5]
    if ids:
        parts += list(complaint_list_for(user).filter(pk__in=ids).values_list("description", flat=True))
    return " ".join(parts)[:1000], signal.estate_id, "", signal.category_id


def similar_cases(user, *, incident=None, signal=None) -> dict:
    """{"incidents": [...], "complaints": [...]}, each row {"obj", "score", "why": [reasons]}.

    The database finds the candidates (newest first, at most CANDIDATES of each kind) and, on
    PostgreSQL, their similarity(); the shared words, type, place and category are scored here
    over those few rows, and only the five best of each kind are read whole. Six queries (seven
    for a signal) whatever the scope."""
    query, estate_id, kind, category_id = _query_of(incident, signal, user)
    words = key_words(query)
    if not words and not query.strip():
        return {"incidents": [], "complaints": [], "words": []}
    closed = incident_list_for(user).filter(stage=Stage.CLOSED)
    if incident is not None:
        closed = closed.exclude(pk=incident.pk)
    candidates = (closed.filter(Q(kind=kind or "-") | _any(words, "title") | _any(words, "description"))
                  .order_by("-closed_at", "-pk").values("pk")[:CANDIDATES])
    scored = []
    for row in (Incident.objects.filter(pk__in=candidates)
                # Every part typed as text: PostgreSQL's Concat refuses to mix varchar and text parts.
                .annotate(doc=Concat(Cast("title", models_text()), _text(" "), "description", _text(" "),
                                     Coalesce("review__cause", _text("")), _text(" "), Coalesce("review__lessons", _text("")),
                                     output_field=models_text()), sim=_sim("doc", query))
                .values("pk", "doc", "sim", "kind", "estate_id", "closed_at")):
        row["same_kind"], row["same_estate"] = bool(kind) and row["kind"] == kind, row["estate_id"] == estate_id
        row["score"] = _score(row["doc"], words, row["sim"]) + row["same_kind"] + 0.5 * row["same_estate"]
        scored.append(row)
    best = _best(scored, lambda score: score > (0.6 if kind else 0.4), "closed_at")
    found = Incident.objects.select_related("estate", "review").in_bulk([r["pk"] for r in best])
    incident_rows = [{"obj": found[r["pk"]], "score": round(r["score"], 2),
                      "why": _why(r["doc"], words, r["sim"], r["same_kind"], r["same_estate"])} for r in best if r["pk"] in found]

    complaints = complaint_list_for(user).filter(created_at__gte=timezone.now() - timedelta(days=COMPLAINT_DAYS))
    complaints = complaints.filter(estate_id=estate_id) if estate_id else complaints.none()
    if signal is not None:
        complaints = complaints.exclude(pk__in=[int(i) for i in signal.evidence.get("complaints", [])])
    if incident is not None:
        complaints = complaints.exclude(pk__in=incident.complaint_links.values("complaint_id"))
    if words:
        complaints = complaints.filter(_any(words, "description"))
    newest = complaints.order_by("-created_at", "-pk").values("pk")[:CANDIDATES]
    scored = []
    for row in (Complaint.objects.filter(pk__in=newest).annotate(sim=_sim("description", query))
                .values("pk", "description", "sim", "category_id", "created_at")):
        row["same_category"] = bool(category_id) and row["category_id"] == category_id
        row["score"] = _score(row["description"], words, row["sim"]) + row["same_category"]
        scored.append(row)
    best = _best(scored, lambda score: score >= 1.0, "created_at")
    found = Complaint.objects.select_related("category", "unit__building", "building").in_bulk([r["pk"] for r in best])
    complaint_rows = [{"obj": found[r["pk"]], "score": round(r["score"], 2),
                       "why": _why(r["description"], words, r["sim"], False, True, same_category=r["same_category"])}
                      for r in best if r["pk"] in found]
    return {"words": words, "incidents": incident_rows, "complaints": complaint_rows}


def _score(text, words, sim) -> float:
    """One point per key word found in `text` (whatever its case), plus similarity() × 4."""
    text = (text or "").lower()
    return sum(1 for w in words if w.lower() in text) + 4.0 * (sim or 0.0)


def _best(rows, keep, newest_by) -> list[dict]:
    """The SHOWN best-scored rows whose score `keep` accepts, the newer first among equals."""
    rows = sorted((r for r in rows if keep(r["score"])), key=lambda r: (r[newest_by] is not None, r[newest_by]), reverse=True)
    return sorted(rows, key=lambda r: r["score"], reverse=True)[:SHOWN]


def _text(value):
    return Value(value, output_field=models_text())


def models_text():
    from django.db.models import TextField

    return TextField()


def _any(words, field):
    """Any of `words` in `field`, case-insensitively, as one regular expression (PostgreSQL's ~*):
    a row is read once, not once per word — eight UPPER(field) LIKE '%w%' tests were five times
    dearer. Two-character words give pg_trgm no trigram, so no index serves either form; the
    candidates are bounded by their scope, date and LIMIT instead."""
    return Q(**{f"{field}__iregex": "|".join(re.escape(w) for w in words)}) if words else Q(pk__in=[])


def _why(text, words, sim, same_kind, same_estate, same_category=False) -> list[str]:
    reasons = []
    text = (text or "").lower()
    shared = [w for w in words if w.lower() in text]
    if shared:
        reasons.append(_("shared words: %(words)s") % {"words": "、".join(shared)})
    if sim and sim >= 0.1:
        reasons.append(_("similar wording (%(similarity)d%%)") % {"similarity": round(sim * 100)})
    if same_kind:
        reasons.append(_("same type"))
    if same_category:
        reasons.append(_("same category"))
    if same_estate:
        reasons.append(_("same estate"))
    return reasons
