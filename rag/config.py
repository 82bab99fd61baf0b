"""Typed settings, split by concern. Defaults are the configuration the README reports figures for."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

FORMAT_VERSION = 2
DEFAULT_INDEX_DIR = "index"


def default_index_dir() -> Path:
    """``$RAG_INDEX_DIR`` when set, else ``./index``."""
    return Path(os.environ.get("RAG_INDEX_DIR") or DEFAULT_INDEX_DIR)


@dataclass(frozen=True)
class ChunkSettings:
    max_tokens: int = 220  # all-MiniLM-L6-v2 reads 256 word pieces; leave room for the title line
    overlap_tokens: int = 40
    encoding: str = "cl100k_base"


@dataclass(frozen=True)
class EmbedSettings:
    model: str = "all-MiniLM-L6-v2"  # the bundled model; or a path to a sentence-transformers folder
    batch_size: int = 32


@dataclass(frozen=True)
class DedupSettings:
    near_threshold: float = 0.5  # Jaccard of word 5-shingles: syndicated copies measured 0.61-0.75, distinct stories <= 0.01
    num_perm: int = 128


@dataclass(frozen=True)
class IndexSettings:
    chunk: ChunkSettings = field(default_factory=ChunkSettings)
    embed: EmbedSettings = field(default_factory=EmbedSettings)
    dedup: DedupSettings = field(default_factory=DedupSettings)
    # Exact search costs 5-23 ms a query at 50k chunks with recall 1 (benchmarks/query.py), small next to
    # an answer; past this size an HNSW index (no exact scan, but a 10+ s graph build on every write).
    exact_search_max_chunks: int = 200_000


@dataclass(frozen=True)
class RetrieveSettings:
    k: int = 5
    candidates: int = 50  # per retriever, before fusion
    rrf_k: int = 60
    dense_weight: float = 1.0
    lexical_weight: float = 1.0
    max_per_article: int = 2
    mmr_lambda: float = 0.75
    recency_weight: float = 0.3  # share of the fused score a time phrase may move


@dataclass(frozen=True)
class AnswerSettings:
    backend: str = "extractive"
    max_sentences: int = 3
    # Calibrated with benchmarks/abstention.py on eval/sample.jsonl (see README, Abstention). On that set the
    # names check, coverage and the focus check (rag/focus.py, which uses min_coverage too) decide; similarity
    # and answer support measured no gain and stay off. Coverage 0.55-0.60 answers 98.8% and abstains on 82.6%;
    # 0.62-0.65 loses two answerable questions for nothing; 0.68-0.70 abstains on one more but answers <= 93.9%.
    min_similarity: float = 0.0  # best passage cosine similarity to the question
    min_coverage: float = 0.6  # IDF-weighted share of the question's terms found in the passages
    min_answer_support: float = 0.0  # the same share within one sentence holding the kind of answer asked for
