"""Typed settings, split by concern: every tuned number lives here with the reason and the measurement behind it.

Defaults are the configuration the README reports figures for. ``benchmarks/`` re-measures them.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

FORMAT_VERSION = 2
DEFAULT_INDEX_DIR = "index"


def default_index_dir() -> Path:
    """``$RAG_INDEX_DIR`` when set, else ``./index``."""
    return Path(os.environ.get("RAG_INDEX_DIR") or DEFAULT_INDEX_DIR)


def model_cache_dir() -> Path:
    """Where models made on this machine live (the joined GGUF, int8 exports): ``$RAG_CACHE_DIR/models``,
    else ``~/.cache/newsdesk/models``."""
    root = os.environ.get("RAG_CACHE_DIR") or Path.home() / ".cache" / "newsdesk"
    return Path(root).expanduser() / "models"


@dataclass(frozen=True)
class ChunkSettings:
    max_tokens: int = 220  # all-MiniLM-L6-v2 reads 256 word pieces; leave room for the title line
    overlap_tokens: int = 40
    encoding: str = "cl100k_base"


@dataclass(frozen=True)
class EmbedSettings:
    model: str = "all-MiniLM-L6-v2"  # the bundled model; or a path to a sentence-transformers folder
    # "bf16": torch autocast, for CPUs that compute bfloat16 natively (elsewhere torch emulates it, slower than
    # fp32). On this Xeon (avx512_bf16) bf16 took 0.56-0.61x the CPU time of fp32 on the sample chunks, 0.73x on
    # a whole 300-article build, vectors at cosine 0.99998; sample eval unchanged (benchmarks/embedding.py, benchmarks/speed.py).
    # "int8" (ONNX Runtime, int8 weights, rag/index/embed_onnx.py) is what "auto" means: 0.26x fp32's and 0.55x
    # bf16's CPU time on the sample chunks, 0.34x LangChain's CPU per article on a 300-article build, vectors at
    # cosine 0.994 mean (0.988 min) to fp32, hits@5 and answer contains not lower on eval/sample.jsonl and
    # realtimeqa_dev, and asking never imports torch (cold `rag ask` 1.7 s instead of 16.5 s).
    precision: str = "auto"
    # Batches are length-sorted. fp32 at 16 measured no faster than at 32 once sorted, bf16 slower.
    batch_size: int = 32


@dataclass(frozen=True)
class LexicalSettings:
    """BM25's parameters, for the folder store's bm25s index and Milvus's BM25 index alike."""

    k1: float = 1.5  # bm25s's default; Milvus's own default is 1.2, so both are set
    # Full length normalisation: chunks run from a one-sentence paragraph to 220 tokens of a long page, and at the
    # usual 0.75 the long ones win on the count of shared words. realtimeqa_dev (benchmarks/README.md, "BM25 length
    # normalisation"): hits@5 0.679 -> 0.716, hits@10 0.706 -> 0.761 at b 1.0; the team sets' retrieval unchanged.
    b: float = 1.0


@dataclass(frozen=True)
class DedupSettings:
    near_threshold: float = 0.5  # Jaccard of word 5-shingles: syndicated copies measured 0.61-0.75, distinct stories <= 0.01
    num_perm: int = 128  # MinHash permutations (datasketch default): estimate error <= 0.5/sqrt(128) = 0.044 (1 s.e.)
    shingle_words: int = 5  # long enough that two stories on one topic share few shingles (the 0.01 above)


@dataclass(frozen=True)
class LoadSettings:
    """Limits on what one file or article may bring in: one bad input must not stall or sink a build."""

    # A file holding one article (.txt .md .html): a 50 MB one-line text took 8 minutes and 4 GB to index
    # as ~48k chunks; a news page is far smaller (every sample file is under 11 KB).
    max_file_bytes: int = 20_000_000
    # A .json/.jsonl/.csv holds many articles (100k news articles are ~1 GB of JSONL): only a file that would
    # not fit in memory is refused; each record is held to max_article_chars like any article.
    max_records_file_bytes: int = 2_000_000_000
    # Longer articles are cut here (at a word end) and reported: the dev set's longest articles have 100k
    # characters (cut there by its makers); a book-length text is no news story and floods retrieval.
    max_article_chars: int = 200_000
    # JSON nested deeper is reported, not parsed: records are flat, and Python's parser overflows its
    # recursion limit (RecursionError) past ~1,000 levels.
    max_json_depth: int = 64
    # A published date further ahead than this is reported and dropped ("9999-12-31"): time zones and
    # embargoed stories may be a day or two ahead, never more.
    max_days_ahead: int = 2
    # Less text than this after cleaning is a stub, caption or error page, not an article (the shortest
    # sample article has 700+ characters; a 404 page's leftover line has ~30).
    min_text_chars: int = 40


@dataclass(frozen=True)
class ProgressSettings:
    # With stderr not a terminal (a log, a pipe) there is no bar: a line this often says the build is alive.
    every_seconds: float = 10.0


@dataclass(frozen=True)
class IndexSettings:
    load: LoadSettings = field(default_factory=LoadSettings)
    chunk: ChunkSettings = field(default_factory=ChunkSettings)
    embed: EmbedSettings = field(default_factory=EmbedSettings)
    dedup: DedupSettings = field(default_factory=DedupSettings)
    # Exact search costs 5-23 ms a query at 50k chunks with recall 1 (benchmarks/query.py), small next to
    # an answer; past this size an HNSW index (no exact scan, but a 10+ s graph build on every write).
    exact_search_max_chunks: int = 200_000


# Passages a question may ask for: more than the answer step can read helps nobody (CLI and API alike).
MAX_K = 100


@dataclass(frozen=True)
class MilvusSettings:
    """The Milvus store (``rag.index.milvus_store``): where a version lives and how it is written."""

    alias: str = "newsdesk"  # readers follow this alias; each build writes a new collection behind it
    # Rows a gRPC insert carries: 1,000 chunks with 384-d vectors and text are ~3 MB, far below the
    # 64 MB message limit, and few enough round trips that inserting is never the slow step.
    insert_batch: int = 1000
    # String fields hold whole titles and urls; a chunk (<= 220 tokens) is far below Milvus's 65,535 bytes.
    max_varchar: int = 65_535
    # Long JSON records (an article's text) are stored in pieces of this many characters: 4 bytes a
    # character at most keeps each piece under ``max_varchar`` bytes.
    record_piece_chars: int = 16_000


@dataclass(frozen=True)
class RaySettings:
    """Building on Ray Data (``rag index build --ray``, ``rag.ingest.distributed``)."""

    workers: int = 2  # embedding actors, one model each; on a cluster, about one per node's cores / 2
    # Articles an actor chunks and embeds per call: ~3 chunks an article, so a few of the embedder's own
    # batches of 32; a call amortises Ray's per-batch overhead without holding back the pipeline.
    articles_per_batch: int = 32
    # Files read and cleaned per task: enough tasks to keep every worker busy, few enough to stay cheap.
    files_per_task: int = 16
    # Shared memory for blocks when Ray starts locally (not on a cluster): the sample corpus needs a few MB;
    # Ray's default (30% of RAM) would starve a small machine.
    local_object_store_bytes: int = 200 * 1024 * 1024


@dataclass(frozen=True)
class RetrieveSettings:
    k: int = 5
    # Articles quarantined at index time (their text addresses the assistant, rag/ingest/injection.py) are
    # left out of retrieval; True lets them in, and answers that use them carry a warning note.
    include_quarantined: bool = False
    candidates: int = 50  # per retriever, before fusion
    # "convex": weighted sum of the two scores scaled 0..1; "rrf": reciprocal rank fusion (rag/fusion.py). Convex
    # against RRF (benchmarks/README.md, "Fusion"): realtimeqa_dev hits@5 0.615 -> 0.679, hits@10 0.679 -> 0.706,
    # constraints hits@1 0.779 -> 0.912, sample hits@1 0.963 -> 0.976; no set lost an answer or an abstention.
    fusion: str = "convex"
    # How much each search counts, in either fusion. Convex at a dense share of 0.5-0.8 gave realtimeqa_dev hits@5
    # 0.661-0.679 (RRF 0.615); answers moved by one question either way across 0.5-0.65, and 0.55 lost none.
    dense_weight: float = 0.55
    lexical_weight: float = 0.45
    rrf_k: int = 60  # RRF only
    max_per_article: int = 2
    mmr_lambda: float = 0.75
    recency_weight: float = 0.3  # share of the fused score a time phrase may move
    # A question naming no time, year, quarter or edition asks about the news as of its day: this share of each
    # passage's score rests on how recent its article is (as "latest" reads it; 0: off). realtimeqa_dev hits@5/@10
    # 0.716/0.761 -> 0.807/0.853; 0.4-0.7 gave the same, and from 0.6 sample hits@1 fell (benchmarks/README.md,
    # "Newest first").
    newest_first_weight: float = 0.5
    # Added to the fused score (best = 1) of a passage naming the question's year/quarter/edition/qualifier,
    # taken from one naming another; and, times the share of the question's names it holds, for those names.
    # realtimeqa_dev (benchmarks/retrieval_sweep.py): hits@5/@10 0.606/0.670 with neither, 0.596/0.651 with
    # entity_boost 0.1 (with or without the constraint boost): BM25 already weighs the names, so it stays off.
    constraint_boost: float = 0.1
    entity_boost: float = 0.0
    # HNSW graph search depth: recall@50 against exact search 0.977 at 50k chunks for 0.4 ms a query
    # (benchmarks/query.py; FAISS's default 16 loses a fifth of the top-50 candidates).
    hnsw_ef_search: int = 128
    # With filters allowing under this share of the chunks, an HNSW index scores the allowed rows exactly:
    # a graph search through a small allowed set misses neighbours.
    exact_filter_share: float = 0.1


@dataclass(frozen=True)
class GroundingSettings:
    """How a passage sentence is judged to back a claim or answer a question (``rag.grounding``)."""

    # A sentence's support score: this share of embedding similarity, the rest IDF-weighted term overlap.
    dense_share: float = 0.6
    # Support score at or above which a cited sentence counts as backed by its passage.
    supported: float = 0.55
    # Cosine similarity of two single words' embeddings from which one names the other: "attorney" for
    # "lawyer" (0.89), "movie" for "film" (0.84), "mum" for "mother" (0.85). Lower, words of one topic pass
    # for each other: "dogs" for "pups" (0.79), "reporter" for "journalist" (0.79); "depth" for "deep" (0.71)
    # comes from the focus's own alternatives instead. (all-MiniLM-L6-v2; benchmarks/abstention.py)
    same_meaning: float = 0.8
    # A claim of at most this many words (a name, a date, an amount) is supported by a sentence of the cited
    # passage that contains it verbatim: a bare name's embedding says too little to be compared with a sentence.
    short_claim_words: int = 8


@dataclass(frozen=True)
class ExtractiveSettings:
    """The extractive backend's choice of sentences (``rag.answer.extractive``; see README, Quality)."""

    max_sentences: int = 3
    min_words: int = 5  # shorter lines are headings or captions, not answers
    close_to_best: float = 0.75  # a further sentence must score at least this share of the best one
    answer_floor: float = 0.4  # a sentence brought in for the asked answer scores this share of the best (0.3-0.4: one plateau)
    redundant: float = 0.8  # word overlap above which a sentence repeats one already chosen
    # Bonuses for a sentence that gives the kind of answer asked: a general QA prior, not tuned per question.
    # "Why" weighs most: the sentence closest to a why-question usually restates its premise, not the reason.
    reason_bonus: float = 0.15
    typed_bonus: float = 0.08  # a figure for "how much", a date for "when", a name for "who"
    focus_bonus: float = 0.1  # a figure or a name right beside the question's focus ("recovered 112 COINS")
    rank_prior: float = 0.05  # divided by the passage's rank: better-ranked passages first among equals
    # Passages of the best article next to the retrieved ones, also read: the answer may sit just before them.
    neighbour_passages: int = 2
    # A sentence naming the asked year/quarter/edition ranks above one naming none (one naming another is left out).
    agreement_bonus: float = 0.05
    # Sentences searched, best first, for the short answer of a name/date/amount/choice question: each is read by
    # spaCy (~25 ms), and past the third the sentence rarely answers the question.
    short_answer_candidates: int = 3
    # Share of a yes/no question's terms (IDF-weighted) its best sentence must hold to answer Yes or No.
    yes_no_coverage: float = 0.6


@dataclass(frozen=True)
class LLMSettings:
    """What the two generative backends share (``rag.answer.chat``)."""

    max_tokens: int = 256  # most tokens an answer may have
    temperature: float = 0.0  # 0: the same question gives the same answer
    rewrite_max_tokens: int = 64  # a follow-up rewritten as a standalone question is short
    hold_words: int = 7  # a reply's start is held back until this many words show whether it abstains
    context_turns: int = 3  # earlier turns shown to a model; older ones rarely hold what a follow-up refers to


@dataclass(frozen=True)
class LlamaCppSettings:
    """The ``llama-cpp`` backend: a local GGUF model."""

    model_path: str | None = None  # a GGUF file; else $RAG_LLM_MODEL, else the bundled Qwen2.5-Coder-0.5B
    n_ctx: int = 4096  # context window in tokens; passages that do not fit are left out, last first
    threads: int | None = None  # CPU threads; None: all cores


@dataclass(frozen=True)
class OpenAISettings:
    """The ``openai`` backend; each unset value falls back to the environment (see ``rag.answer.openai``)."""

    base_url: str | None = None  # the API root with its /v1; required (articles are never sent anywhere unasked)
    model: str | None = None  # None: the server's only model
    api_key: str | None = None
    timeout: float = 120.0  # seconds between bytes: CPU servers are slow
    retries: int = 2  # retries of a request that failed to connect or got 429/5xx
    stream: bool = True


@dataclass(frozen=True)
class AnswerSettings:
    backend: str = "extractive"
    # Calibrated with benchmarks/abstention.py on eval/sample.jsonl (see README, Abstention). On that set the
    # names check, coverage and the focus check (rag/question/focus.py, which uses min_coverage too) decide; similarity
    # and answer support measured no gain and stay off. Coverage 0.55-0.60 answers 98.8% and abstains on 82.6%;
    # 0.62-0.65 loses two answerable questions for nothing; 0.68-0.70 abstains on one more but answers <= 93.9%.
    min_similarity: float = 0.0  # best passage cosine similarity to the question
    min_coverage: float = 0.6  # IDF-weighted share of the question's terms found in the passages
    min_answer_support: float = 0.0  # the same share within one sentence holding the kind of answer asked for
    # A question of at most this many words may lean on the conversation ("How did Musk react?") and is
    # joined to the last self-contained one for retrieval (rag.question.followup).
    follow_up_words: int = 6
    grounding: GroundingSettings = field(default_factory=GroundingSettings)
    extractive: ExtractiveSettings = field(default_factory=ExtractiveSettings)
    llm: LLMSettings = field(default_factory=LLMSettings)
    llama_cpp: LlamaCppSettings = field(default_factory=LlamaCppSettings)
    openai: OpenAISettings = field(default_factory=OpenAISettings)


@dataclass(frozen=True)
class ServeSettings:
    """`rag serve` and how `rag ask` reaches it (``rag.serve``)."""

    host: str = "127.0.0.1"  # loopback: questions and articles stay on this machine unless asked otherwise
    port: int = 8765  # 0: any free port (the index folder's serve.json names it either way)
    # A server slower than this to answer its health check is taken as gone: `rag ask` answers itself.
    health_timeout: float = 1.0
    ask_timeout: float = 600.0  # seconds for one answer: a local LLM on a busy 2-core CPU is slow
