"""Embedding variants side by side on the same chunks: wall and CPU time as ratios to today's fp32, cosine to fp32.

Variants: fp32 in batches of 32 in corpus order (the embedder before issue 12), fp32 and bf16 autocast in
length-sorted batches of 16 and 32, and the int8 ONNX Runtime variant (``rag/index/embed_onnx.py``, exported
before the clock if it is not cached yet) in length-sorted batches of 16 and 32. Each variant runs
``--rounds`` times, interleaved, and its best round counts, so a busy machine slows all of them alike.
Also prints how many embedded texts exceed the model's 256 word pieces (and are truncated).

    .venv/bin/python benchmarks/embedding.py                                   # the sample articles
    .venv/bin/python benchmarks/embedding.py ../shared/devsets/realtimeqa_dev/articles.jsonl --rounds 0
"""
from __future__ import annotations

import argparse
import os
import subprocess
import time
from contextlib import nullcontext

import numpy as np


def chunk_texts(paths: list[str]) -> list[str]:
    """The texts ``build_index`` would embed for ``paths``: loaded, cleaned, deduplicated, chunked."""
    from rag.config import IndexSettings
    from rag.ingest.build import _load_articles
    from rag.ingest.chunk import chunk_article, embedding_text
    from rag.ingest.dedup import find_duplicates

    settings = IndexSettings()
    articles, _ = _load_articles(paths, settings, None)
    kept, _ = find_duplicates(articles, settings.dedup)
    return [embedding_text(a, c) for a in kept for c in chunk_article(a, settings.chunk)]


def encode(model, texts: list[str], batch: int, sort: bool, bf16: bool) -> np.ndarray:
    import torch

    order = np.argsort([-len(t) for t in texts], kind="stable") if sort else np.arange(len(texts))
    out = np.zeros((len(texts), model.get_embedding_dimension()), np.float32)
    with torch.autocast("cpu", dtype=torch.bfloat16) if bf16 else nullcontext():
        for i in range(0, len(texts), batch):
            rows = order[i:i + batch]
            out[rows] = model.encode([texts[r] for r in rows], batch_size=batch, normalize_embeddings=True,
                                     convert_to_numpy=True, show_progress_bar=False)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", default=["data/articles"])
    parser.add_argument("--limit", type=int, default=0, help="embed only the first N chunks (0: all)")
    parser.add_argument("--rounds", type=int, default=2, help="timed rounds per variant (0: only count truncation)")
    args = parser.parse_args()

    from rag.index.embed import _load, resolve_model

    texts = chunk_texts(args.paths)
    texts = texts[:args.limit] if args.limit else texts
    model = _load(str(resolve_model()[1]))
    pieces = [len(ids) for ids in model.tokenizer(texts, add_special_tokens=True)["input_ids"]]
    limit = model.max_seq_length
    print(f"{len(texts)} chunks; word pieces with [CLS]/[SEP]: median {int(np.median(pieces))}, "
          f"max {max(pieces)}; over {limit} (truncated): {sum(p > limit for p in pieces)} "
          f"({sum(p > limit for p in pieces) / len(texts):.1%})")
    print(f"torch threads {__import__('torch').get_num_threads()}; uptime: "
          f"{subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")

    if not args.rounds:
        return
    variants = {"fp32 b32 unsorted": (32, False, False), "fp32 b16 sorted": (16, True, False),
                "fp32 b32 sorted": (32, True, False), "bf16 b16 sorted": (16, True, True),
                "bf16 b32 sorted": (32, True, True), "int8 onnx b16 sorted": (16, True, None),
                "int8 onnx b32 sorted": (32, True, None)}
    from rag.index.embed_onnx import OnnxEmbedder

    int8 = {batch: OnnxEmbedder(batch_size=batch) for batch in (16, 32)}
    encode(model, texts[:32], 32, False, True)  # warm every code path (and export the int8 model if needed)
    encode(model, texts[:32], 32, False, False)
    for embedder in int8.values():
        embedder.embed(texts[:32])
    best: dict[str, tuple[float, float]] = {}
    vectors: dict[str, np.ndarray] = {}
    for _ in range(args.rounds):
        for name, (batch, sort, bf16) in variants.items():
            wall, cpu = time.perf_counter(), time.process_time()
            vectors[name] = int8[batch].embed(texts) if bf16 is None else encode(model, texts, batch, sort, bf16)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            best[name] = min(best.get(name, (wall, cpu)), (wall, cpu))
    base_wall, base_cpu = best["fp32 b32 unsorted"]
    reference = vectors["fp32 b32 unsorted"]
    print(f"{'variant':21} {'wall s':>7} {'cpu s':>7} {'wall x':>7} {'cpu x':>7} {'chunks/s':>9} "
          f"{'cos mean':>9} {'cos min':>8}")
    for name, (wall, cpu) in best.items():
        cos = (vectors[name] * reference).sum(axis=1)
        print(f"{name:21} {wall:7.1f} {cpu:7.1f} {wall / base_wall:7.2f} {cpu / base_cpu:7.2f} "
              f"{len(texts) / wall:9.1f} {cos.mean():9.5f} {cos.min():8.5f}")
    print(f"uptime: {subprocess.run(['uptime'], capture_output=True, text=True).stdout.strip()}")


if __name__ == "__main__":
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    main()
