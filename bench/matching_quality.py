"""Matching quality on the labelled set (data/matching/): recall@5 and nDCG@10 of the engine
against two baselines, on the dev split (tuned on) and the held-out split (never tuned on).

    uv run python bench/matching_quality.py [--json var/bench/matching-quality.json] [--failures]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from civicnest.matching.engine import Index, NeedQuery, make_doc, tokenizer  # noqa: E402

DATA = ROOT / "data" / "matching"
Ranker = Callable[[dict], list[str]]


def load() -> tuple[list[dict], list[dict]]:
    return (
        json.loads((DATA / "needs.json").read_text(encoding="utf-8")),
        json.loads((DATA / "offerings.json").read_text(encoding="utf-8")),
    )


def recall_at(ranked: list[str], relevant: set[str], k: int) -> float:
    return len(set(ranked[:k]) & relevant) / min(len(relevant), k)


def ndcg_at(ranked: list[str], relevant: set[str], k: int) -> float:
    dcg = sum(1 / math.log2(i + 2) for i, doc in enumerate(ranked[:k]) if doc in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(len(relevant), k)))
    return dcg / ideal


def engine_ranker(offerings: list[dict]) -> Ranker:
    ids = {i: o["id"] for i, o in enumerate(offerings)}
    index = Index(
        make_doc(
            id=i,
            title=o["title"],
            description=o["description"],
            categories=o["categories"],
            beneficiaries=o["beneficiaries"],
            areas=o["regions"],
            capacity=o["capacity"],
        )
        for i, o in enumerate(offerings)
    )

    def rank(need: dict) -> list[str]:
        query = NeedQuery(
            text=f"{need['title']} {need['description']}",
            region=need["region"],
            beneficiaries=need["beneficiaries"],
            category=need["category"] or "",
        )
        return [ids[s.offering] for s in index.rank(query, limit=10)]

    return rank


def substring_ranker(offerings: list[dict]) -> Ranker:
    """Baseline 1: count the need's words (jieba, 2+ characters) that occur in the offering's text."""
    tk = tokenizer()
    texts = [(o["id"], o["title"] + o["description"]) for o in offerings]

    def rank(need: dict) -> list[str]:
        words = {w for w in tk.lcut(need["title"] + need["description"]) if len(w) >= 2}
        scored = [(sum(w in text for w in words), oid) for oid, text in texts]
        return [oid for score, oid in sorted(scored, key=lambda x: (-x[0], x[1])) if score > 0][:10]

    return rank


def bm25_ranker(offerings: list[dict]) -> Ranker:
    """Baseline 2: BM25 on plain jieba tokens (no synonyms, no geography)."""
    tk = tokenizer()
    docs = [
        (o["id"], Counter(w for w in tk.lcut(o["title"] + o["description"]) if w.strip()))
        for o in offerings
    ]
    df = Counter(t for _, tf in docs for t in tf)
    n, avg = len(docs), sum(sum(tf.values()) for _, tf in docs) / len(docs)

    def rank(need: dict) -> list[str]:
        query = [w for w in tk.lcut(need["title"] + need["description"]) if w.strip()]
        scores = []
        for oid, tf in docs:
            length = sum(tf.values())
            s = sum(
                math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5))
                * tf[t]
                * 2.2
                / (tf[t] + 1.2 * (0.25 + 0.75 * length / avg))
                for t in query
                if t in tf
            )
            scores.append((s, oid))
        return [oid for s, oid in sorted(scores, key=lambda x: (-x[0], x[1])) if s > 0][:10]

    return rank


def covers(regions: list[str], community: str) -> bool:
    return any(community.startswith(code) for code in regions)


def geo_filtered(ranker_factory: Callable[[list[dict]], Ranker], offerings: list[dict]) -> Ranker:
    """The same baseline, but only over offerings whose area covers the need: isolates the text signal."""

    def rank(need: dict) -> list[str]:
        allowed = [o for o in offerings if covers(o["regions"], need["region"])]
        return ranker_factory(allowed)(need) if allowed else []

    return rank


def evaluate(needs: list[dict], ranker: Ranker) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for split in ("dev", "holdout", "all"):
        chosen = [n for n in needs if split == "all" or n["split"] == split]
        r5 = [recall_at(ranker(n), set(n["relevant"]), 5) for n in chosen]
        nd = [ndcg_at(ranker(n), set(n["relevant"]), 10) for n in chosen]
        out[split] = {
            "needs": len(chosen),
            "recall@5": round(sum(r5) / len(r5), 3),
            "ndcg@10": round(sum(nd) / len(nd), 3),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--failures", action="store_true", help="print dev needs where recall@5 < 1"
    )
    args = parser.parse_args()
    needs, offerings = load()
    rankers = {
        "engine": engine_ranker(offerings),
        "substring": substring_ranker(offerings),
        "bm25_jieba": bm25_ranker(offerings),
        "bm25_jieba+geo": geo_filtered(bm25_ranker, offerings),
    }
    results = {name: evaluate(needs, r) for name, r in rankers.items()}
    print(f"{len(needs)} needs, {len(offerings)} offerings")
    for name, res in results.items():
        print(
            f"{name:12s} "
            + "  ".join(
                f"{s}: R@5 {v['recall@5']:.3f} nDCG@10 {v['ndcg@10']:.3f} (n={v['needs']})"
                for s, v in res.items()
            )
        )
    if args.failures:
        by_id = {o["id"]: o for o in offerings}
        for need in needs:
            if need["split"] != "dev":
                continue
            ranked = rankers["engine"](need)
            if recall_at(ranked, set(need["relevant"]), 5) < 1:
                print(
                    "\n",
                    need["id"],
                    need["title"],
                    "|",
                    need["description"][:70],
                    need["category"],
                    need["beneficiaries"],
                )
                print("   want:", [by_id[r]["title"] for r in need["relevant"]])
                print(
                    "   got :",
                    [
                        by_id[r]["title"] + ("✓" if r in need["relevant"] else "")
                        for r in ranked[:5]
                    ],
                )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
