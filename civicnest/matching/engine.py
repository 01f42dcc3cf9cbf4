"""The matching engine: ranks service offerings for a need, with the score and the reasons in Chinese.

Signals: Chinese text relevance (BM25 over jieba tokens mapped to domain concepts through the synonym
list, plus character bigrams for words the list misses), whether the service area covers the need's
community (a hard filter; nearer areas rank higher), category and beneficiary groups, remaining
capacity and the organization's standing. Organizations on the abnormal-activity list are excluded.

The index lives in memory per process. It is built on first use and kept fresh incrementally: every
query compares the offerings' latest `updated_at` and count with what the index has seen and reloads
only what changed, so an offering saved by any process is visible to the next query everywhere.
"""

from __future__ import annotations

import functools
import heapq
import logging
import math
import re
import sys
import threading
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

import jieba

from civicnest.matching.codes import Beneficiary, Category
from civicnest.matching.vocabulary import STOPWORDS, TYPOS, synonym_map

SYNONYMS = synonym_map()
_TYPO_RE = re.compile("|".join(sorted(map(re.escape, TYPOS), key=len, reverse=True)))
_CJK = re.compile(r"[\u4e00-\u9fff]+")
_jieba_lock = threading.Lock()
_tokenizer: Any = None

K1, B = 1.2, 0.75
TITLE_WEIGHT = 2
WEIGHTS = {
    "text": 1.0,
    "bigram": 0.15,
    "category": 0.8,
    "beneficiary": 0.6,
    "community": 0.6,
    "street": 0.45,
    "district": 0.25,
    "grade": 0.05,
    "rating": 0.1,
    "full": -1.5,
}
MIN_BIGRAM_OVERLAP = 0.1
MAX_GRADE = 5  # 5A, the top evaluation grade
MAX_RATING = 5
GEO_LABELS = {
    "community": "同一社区",
    "street": "同一街道",
    "district": "服务覆盖本区",
    "city": "全市服务",
}


def tokenizer() -> Any:
    """A jieba tokenizer that knows the domain words (社会组织, 老年食堂, 爹爹婆婆…)."""
    global _tokenizer  # noqa: PLW0603 - built once per process, guarded by the lock
    if _tokenizer is not None:  # no lock once built: a forked ranking worker must never wait on one
        return _tokenizer
    with _jieba_lock:
        if _tokenizer is None:
            jieba.setLogLevel(
                logging.WARNING
            )  # it prints its dictionary loading to stderr otherwise
            tk = jieba.Tokenizer()
            tk.initialize()
            for word in list(SYNONYMS) + list(TYPOS.values()):
                tk.add_word(word, freq=50000)
            _tokenizer = tk
    return _tokenizer


def normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").lower()
    return _TYPO_RE.sub(lambda m: TYPOS[m.group(0)], text)


def concepts(text: str) -> list[str]:
    """Tokens of the text mapped to their concept (synonyms collapse), without stopwords."""
    out = []
    for raw in tokenizer().lcut(normalise(text)):
        token = raw.strip()
        if not token or token in STOPWORDS or not (_CJK.search(token) or token.isalnum()):
            continue
        if len(token) == 1 and token not in SYNONYMS:
            continue
        out.append(sys.intern(SYNONYMS.get(token, token)))
    return out


def bigrams(text: str) -> set[str]:
    """Character bigrams of the CJK runs, interned: 50,000 offerings hold ~4 million but only ~5,400 distinct."""
    grams: set[str] = set()
    for run in _CJK.findall(normalise(text)):
        grams.update(sys.intern(run[i : i + 2]) for i in range(len(run) - 1))
    return grams


@dataclass
class OfferingDoc:
    id: int
    title: str
    categories: frozenset[str]
    beneficiaries: frozenset[str]
    areas: tuple[str, ...]
    tf: Counter[str]
    grams: set[str]
    length: int
    capacity: int = 20
    used: int = 0
    grade: str = ""
    rating: float | None = None
    excluded: bool = False


@dataclass
class NeedQuery:
    text: str
    region: str
    beneficiaries: Iterable[str] = ()
    category: str = ""
    # Offerings never to suggest for this need (those of organizations that declined it).
    skip: frozenset[int] = frozenset()


@dataclass
class Suggestion:
    offering: int
    score: float
    reasons: list[str] = field(default_factory=list)


def make_doc(
    *,
    id: int,
    title: str,
    description: str,
    categories: Iterable[str],
    beneficiaries: Iterable[str],
    areas: Iterable[str],
    capacity: int = 20,
    used: int = 0,
    grade: str = "",
    rating: float | None = None,
    excluded: bool = False,
) -> OfferingDoc:
    title_concepts = concepts(title)
    tf = Counter(concepts(description))
    for c in title_concepts:
        tf[c] += TITLE_WEIGHT
    return OfferingDoc(
        id=id,
        title=title,
        categories=frozenset(categories),
        beneficiaries=frozenset(beneficiaries),
        areas=tuple(areas),
        tf=tf,
        grams=bigrams(f"{title} {description}"),
        length=sum(tf.values()) or 1,
        capacity=capacity,
        used=used,
        grade=grade,
        rating=rating,
        excluded=excluded,
    )


class Index:
    """Inverted index over concepts plus a geographic index from region code to offerings."""

    def __init__(self, docs: Iterable[OfferingDoc] = ()) -> None:
        self.docs: dict[int, OfferingDoc] = {}
        self.postings: dict[str, dict[int, int]] = defaultdict(dict)
        self.by_area: dict[str, set[int]] = defaultdict(set)
        self.total_length = 0
        self._version = 0  # bumped by every add and remove
        self._norms_version = -1
        self._norm_cache: dict[int, float] = {}
        for doc in docs:
            self.add(doc)

    def add(self, doc: OfferingDoc) -> None:
        if doc.id in self.docs:
            self.remove(doc.id)
        self.docs[doc.id] = doc
        self._version += 1
        self.total_length += doc.length
        for term, count in doc.tf.items():
            self.postings[term][doc.id] = count
        for code in doc.areas:
            self.by_area[code].add(doc.id)

    def remove(self, doc_id: int) -> None:
        doc = self.docs.pop(doc_id, None)
        if doc is None:
            return
        self._version += 1
        self.total_length -= doc.length
        for term in doc.tf:
            self.postings[term].pop(doc_id, None)
        for code in doc.areas:
            self.by_area[code].discard(doc_id)

    def covering(self, community: str) -> dict[int, str]:
        """Offerings whose service area contains the community, with the most specific level that matched."""
        found: dict[int, str] = {}
        levels = [("city", community[:4]), ("district", community[:6]), ("street", community[:9])]
        if len(community) == 12:
            levels.append(("community", community))
        for level, prefix in levels:  # widest first: a more specific level overwrites
            found.update(dict.fromkeys(self.by_area.get(prefix, ()), level))
        return found

    def _candidates(self, need: NeedQuery) -> dict[int, str]:
        found = self.covering(need.region)
        if need.skip:
            return {doc_id: level for doc_id, level in found.items() if doc_id not in need.skip}
        return found

    def _norms(self) -> dict[int, float]:
        """BM25's length normalisation per offering, recomputed after any addition or removal."""
        if self._norms_version != self._version:
            avg_len = self.total_length / max(len(self.docs), 1)
            self._norm_cache = {
                d: K1 * (1 - B + B * doc.length / avg_len) for d, doc in self.docs.items()
            }
            self._norms_version = self._version
        return self._norm_cache

    def _text_scores(self, query: Counter[str], candidates: dict[int, str]) -> dict[int, float]:
        """BM25 over concepts, restricted to the candidates (the set intersection runs in C)."""
        n_docs = max(len(self.docs), 1)
        norms = self._norms()
        scores: dict[int, float] = {}
        for term, qtf in query.items():
            posting = self.postings.get(term)
            if not posting:
                continue
            idf = math.log(1 + (n_docs - len(posting) + 0.5) / (len(posting) + 0.5))
            weight = qtf * idf
            for doc_id in posting.keys() & candidates.keys():
                tf = posting[doc_id]
                scores[doc_id] = scores.get(doc_id, 0.0) + (
                    weight * tf * (K1 + 1) / (tf + norms[doc_id])
                )
        return scores

    def rank(self, need: NeedQuery, limit: int = 10) -> list[Suggestion]:
        """The top `limit` suggestions, best first (ties: lower offering id first).

        Pruned, with the same result as scoring every candidate (`rank_exhaustive`, tested): everything
        but the text score adds at most `_no_text_bound(need)` points. Candidates with a text match are
        scored in falling text-score order until even that bound cannot lift the next one past the k-th
        best; candidates without a text match are looked at only when the k-th best is within that
        bound. Only numbers are computed while ranking; the Chinese reasons are built for the k winners.
        """
        if limit <= 0:
            return []
        candidates = self._candidates(need)
        if not candidates:
            return []
        query = Counter(concepts(need.text))
        text_scores = self._text_scores(query, candidates)
        grams = bigrams(need.text)
        n_grams = len(grams) or 1
        wanted = frozenset(need.beneficiaries)
        category = need.category
        docs = self.docs
        rest = _no_text_bound(need)
        top: list[float] = []  # min-heap of the best `limit` scores so far
        keyed: list[tuple[float, int]] = []  # (-score, id): the smallest are the best
        for doc_id, text in sorted(text_scores.items(), key=itemgetter(1), reverse=True):
            if len(top) == limit and text + rest < top[0]:
                break  # every later candidate has at most this text score
            doc = docs[doc_id]
            if doc.excluded:
                continue
            points = _points(
                doc, candidates[doc_id], category, wanted, text, len(grams & doc.grams) / n_grams
            )
            if points is None:
                continue
            keyed.append((-points, doc_id))
            if len(top) < limit:
                heapq.heappush(top, points)
            else:
                heapq.heappushpop(top, points)
        if len(top) < limit or top[0] <= rest:
            keyed += self._without_text(candidates, text_scores, grams, category, wanted)
        return [
            self._suggest(doc_id, candidates, need, query, text_scores, grams)
            for _key, doc_id in heapq.nsmallest(limit, keyed)
        ]

    def _without_text(
        self,
        candidates: dict[int, str],
        text_scores: dict[int, float],
        grams: set[str],
        category: str,
        wanted: frozenset[str],
    ) -> list[tuple[float, int]]:
        """(-score, id) of the candidates without a text match that have something else in common."""
        keyed = []
        n_grams = len(grams) or 1
        for doc_id, level in candidates.items():
            if doc_id in text_scores:
                continue
            doc = self.docs[doc_id]
            if doc.excluded:
                continue
            overlap = len(grams & doc.grams) / n_grams
            if overlap == 0 and not (
                (category and category in doc.categories) or wanted & doc.beneficiaries
            ):
                continue  # nothing in common: skip without scoring
            points = _points(doc, level, category, wanted, 0.0, overlap)
            if points is not None:
                keyed.append((-points, doc_id))
        return keyed

    def rank_exhaustive(self, need: NeedQuery, limit: int = 10) -> list[Suggestion]:
        """Every candidate scored with its reasons, then sorted: the reference `rank` is tested against."""
        candidates = self._candidates(need)
        query = Counter(concepts(need.text))
        text_scores = self._text_scores(query, candidates)
        grams = bigrams(need.text)
        results = []
        for doc_id in candidates:
            if self.docs[doc_id].excluded:
                continue
            suggestion = self._suggest(doc_id, candidates, need, query, text_scores, grams)
            if suggestion is not None:
                results.append(suggestion)
        results.sort(key=lambda s: (-s.score, s.offering))
        return results[:limit]

    def _suggest(  # noqa: PLR0917 - private helper, called positionally from two places
        self,
        doc_id: int,
        candidates: dict[int, str],
        need: NeedQuery,
        query: Counter[str],
        text_scores: dict[int, float],
        grams: set[str],
    ) -> Any:
        doc = self.docs[doc_id]
        return _score(
            doc,
            candidates[doc_id],
            need,
            text=text_scores.get(doc_id, 0.0),
            matched=[term for term in query if term in doc.tf],
            overlap=len(grams & doc.grams) / (len(grams) or 1),
        )


def _no_text_bound(need: NeedQuery) -> float:
    """The most points a candidate can get for this need besides its text score (see `_points`)."""
    bound = WEIGHTS["bigram"] * 1.0 * 10 + max(
        WEIGHTS[level] for level in ("community", "street", "district")
    )
    if need.category:
        bound += WEIGHTS["category"]
    if need.beneficiaries:
        bound += WEIGHTS["beneficiary"]
    bound += WEIGHTS["grade"] * MAX_GRADE + WEIGHTS["rating"] * (MAX_RATING - 3)
    return bound + 1e-3  # rounding to 4 places can lift a score by 0.00005


def _points(  # noqa: PLR0917 - the hot loop: positional calls are measurably cheaper
    doc: OfferingDoc,
    level: str,
    category: str,
    wanted: frozenset[str] | set[str],
    text: float,
    overlap: float,
) -> float | None:
    """The score of one candidate (None: nothing in common with the need); `_score` adds the reasons."""
    same_category = bool(category) and category in doc.categories
    shared = bool(wanted & doc.beneficiaries)
    if text == 0 and overlap < MIN_BIGRAM_OVERLAP and not (same_category or shared):
        return None  # geography alone is no reason to suggest it
    score = WEIGHTS["text"] * text + WEIGHTS["bigram"] * overlap * 10 + WEIGHTS.get(level, 0.0)
    if same_category:
        score += WEIGHTS["category"]
    if shared:
        score += WEIGHTS["beneficiary"]
    if doc.grade:
        score += WEIGHTS["grade"] * int(doc.grade[0])
    if doc.rating:
        score += WEIGHTS["rating"] * (doc.rating - 3)
    if doc.used >= doc.capacity:
        score += WEIGHTS["full"]
    return round(score, 4)


def _score(
    doc: OfferingDoc,
    level: str,
    need: NeedQuery,
    *,
    text: float,
    matched: list[str],
    overlap: float,
) -> Suggestion | None:
    """Combine the signals for one candidate; None when it has nothing in common with the need."""
    wanted = set(need.beneficiaries)
    points = _points(doc, level, need.category, wanted, text, overlap)
    if points is None:
        return None
    reasons = [GEO_LABELS[level]]
    if need.category and need.category in doc.categories:
        reasons.append(f"类别相符: {CATEGORY_LABELS.get(need.category, need.category)}")
    shared = sorted(wanted & doc.beneficiaries)
    if shared:
        reasons.append("服务对象匹配: " + "、".join(BENEFICIARY_LABELS.get(b, b) for b in shared))
    if matched:
        # dict.fromkeys keeps the query's order for equal counts (a set's order changes between processes)
        top = sorted(dict.fromkeys(matched), key=lambda t: -doc.tf[t])[:3]
        reasons.append("关键词: " + "、".join(top))
    if doc.grade:
        reasons.append(f"评估等级 {doc.grade}")
    if doc.rating:
        reasons.append(f"服务评价 {doc.rating:.1f} 星")
    if doc.used >= doc.capacity:
        reasons.append("本月服务名额已满")
    return Suggestion(doc.id, points, reasons)


def _labels() -> tuple[dict[str, str], dict[str, str]]:

    return ({c.value: str(c.label) for c in Category}, {b.value: str(b.label) for b in Beneficiary})


CATEGORY_LABELS, BENEFICIARY_LABELS = _labels()


# -- resources (venues, funds, volunteers, in-kind donations) ---------------------------------------
# A handful per district, so they are ranked straight from the database for each need, no index.
RESOURCE_WEIGHTS = {"concept": 1.0, "bigram": 0.15, "kind": 1.0}
RESOURCE_GEO = {  # the resource's region contains the need's community, most specific first
    12: (1.0, "同一社区"),
    9: (0.7, "同一街道"),
    6: (0.4, "本区资源"),
    4: (0.2, "全市资源"),
}
NEARBY = (0.2, "同区其他街道的资源")
# Words in a need that ask for one kind of resource (ResourceKind values).
KIND_WORDS = {
    "venue": ("场地", "活动室", "会议室", "场所", "房间", "教室", "借地方", "地方"),
    "fund": ("资金", "经费", "钱", "资助", "补贴", "募捐", "筹款", "费用"),
    "volunteers": ("志愿", "义工", "人手", "帮忙的人", "志愿者"),
    "in_kind": ("物资", "捐赠", "衣物", "米面油", "棉被", "食物", "书本", "轮椅", "器材", "爱心包"),
}


@dataclass
class ResourceDoc:
    id: int
    kind: str
    kind_label: str
    title: str
    description: str
    region: str
    available_from: Any = None  # datetime.date | None
    available_until: Any = None


@dataclass
class ResourceSuggestion:
    resource: int
    score: float
    reasons: list[str] = field(default_factory=list)


@functools.lru_cache(maxsize=50_000)
def _resource_features(text: str) -> tuple[tuple[str, ...], frozenset[str]]:
    """A resource's concepts (unique, in order) and bigrams. Resources are read from the database for every
    need page (hundreds of rooms per district) and their texts rarely change: tokenised once per process."""
    return tuple(dict.fromkeys(concepts(text))), frozenset(bigrams(text))


def wanted_kinds(text: str) -> set[str]:
    text = normalise(text)
    return {kind for kind, words in KIND_WORDS.items() if any(w in text for w in words)}


def rank_resources(
    need: NeedQuery,
    resources: Iterable[ResourceDoc],
    *,
    today: Any,
    window: tuple[Any, Any] = (None, None),
    limit: int = 5,
) -> list[ResourceSuggestion]:
    """Resources for a need: in or near its community, available in its time window, and about the same
    thing (shared words, or the kind of resource the need asks for). Geography alone is no reason."""
    community = need.region
    query = set(concepts(need.text))
    grams = bigrams(need.text)
    kinds = wanted_kinds(need.text)
    start, end = window
    results = []
    for res in resources:
        if community.startswith(res.region) and len(res.region) in RESOURCE_GEO:
            geo, geo_label = RESOURCE_GEO[len(res.region)]
        elif res.region[:6] == community[:6]:
            geo, geo_label = NEARBY
        else:
            continue  # another district
        if res.available_until and res.available_until < max(today, start or today):
            continue  # expired, or over before the need's window opens
        if res.available_from and end and res.available_from > end:
            continue  # only available after the need's window closes
        res_concepts, res_grams = _resource_features(f"{res.title} {res.description}")
        shared = [c for c in res_concepts if c in query]
        overlap = len(grams & res_grams) / (len(grams) or 1)
        kind_match = res.kind in kinds
        if not shared and overlap < MIN_BIGRAM_OVERLAP and not kind_match:
            continue
        score = (
            RESOURCE_WEIGHTS["concept"] * len(shared)
            + RESOURCE_WEIGHTS["bigram"] * overlap * 10
            + geo
        )
        reasons = [geo_label]
        if kind_match:
            score += RESOURCE_WEIGHTS["kind"]
            reasons.append(f"需要{res.kind_label}")
        if shared:
            reasons.append("关键词: " + "、".join(shared[:3]))
        if res.available_until:
            reasons.append(f"可用至 {res.available_until:%Y-%m-%d}")
        results.append(ResourceSuggestion(res.id, round(score, 4), reasons))
    results.sort(key=lambda s: (-s.score, s.resource))
    return results[:limit]
