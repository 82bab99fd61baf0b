"""The ``int8`` embedding variant: the model exported to ONNX, weights quantised to int8, run by ONNX Runtime.

Asking over an int8 index imports onnxruntime, tokenizers and numpy, never torch (whose import alone
takes seconds). The export needs torch and happens once per model folder, at the first build or
question: ``torch.onnx.export`` of the transformer (eager attention), then dynamic per-channel int8
quantisation of its weights (per-tensor drifted to cosine 0.95 of fp32 here).
The result is cached under ``$RAG_CACHE_DIR/models`` (default ``~/.cache/newsdesk/models``), in a folder
named after the model and a hash of the model folder's contents, written whole then renamed into place.

Tokenising, mean pooling and normalising follow the sentence-transformers pipeline the folder describes
(``modules.json``), so the vectors differ from fp32 by the quantisation only (see benchmarks/README.md).
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from functools import cached_property
from pathlib import Path

import numpy as np

from ..config import model_cache_dir
from ..errors import InputError
from .embed import resolve_model

MODEL_FILE = "model_int8.onnx"
_STALE_PART_SECONDS = 3600
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_log = logging.getLogger(__name__)


class OnnxEmbedder:
    """Embeds texts with the int8 ONNX export of one sentence-transformers model folder."""

    precision = "int8"

    def __init__(self, model: str | None = None, batch_size: int = 32):
        self.name, self._folder = resolve_model(model)
        self.batch_size = batch_size
        self._pipeline = _read_pipeline(self._folder)

    @cached_property
    def _session(self):
        # Loaded on first use, like the torch model: opening an index or a desk does not wait for it.
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3  # the quantised graph's benign "unused initializer" warnings
        return onnxruntime.InferenceSession(str(exported_model(self.name, self._folder)), options,
                                            providers=["CPUExecutionProvider"])

    @cached_property
    def _tokenizer(self):
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(self._folder / "tokenizer.json"))
        # tokenizer.json carries the hub's own settings (MiniLM's: cut and pad to 128); sentence-transformers
        # cuts at the model's max_seq_length and pads to the longest text of a batch.
        tokenizer.enable_truncation(self._pipeline["max_seq_length"])
        tokenizer.enable_padding(pad_id=tokenizer.token_to_id(self._pipeline["pad_token"]) or 0,
                                 pad_token=self._pipeline["pad_token"])
        return tokenizer

    @property
    def dimension(self) -> int:
        return self._pipeline["dimension"]

    def embed(self, texts: Sequence[str], progress: Callable[[int], None] | None = None) -> np.ndarray:
        """Normalised float32 vectors, one row per text; ``progress(n)`` after each batch of n."""
        # Longest first, so each batch holds texts of similar length and little padding is computed.
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i in range(0, len(texts), self.batch_size):
            rows = order[i:i + self.batch_size]
            out[rows] = self._embed_batch([texts[r] for r in rows])
            if progress:
                progress(len(rows))
        return out

    def embed_one(self, text: str) -> np.ndarray:
        return self.embed([text])[0]

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        if self._pipeline["lower_case"]:
            texts = [t.lower() for t in texts]
        encodings = self._tokenizer.encode_batch(texts)
        feed = {"input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64)}
        wanted = {i.name for i in self._session.get_inputs()}
        (tokens,) = self._session.run(None, {k: v for k, v in feed.items() if k in wanted})
        # Mean over the real tokens (padding masked out), then unit length: sentence-transformers' Pooling
        # (mean) and Normalize modules.
        mask = feed["attention_mask"][:, :, None].astype(np.float32)
        pooled = (tokens * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
        return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)


def _read_pipeline(folder: Path) -> dict:
    """What the folder's sentence-transformers modules do, refusing what this embedder does not reproduce."""
    try:
        modules = json.loads((folder / "modules.json").read_text())
        pooling_path = next(m["path"] for m in modules if m["type"].endswith(".Pooling"))
        pooling = json.loads((folder / pooling_path / "config.json").read_text())
        config = json.loads((folder / "config.json").read_text())
        st_config, special = (json.loads((folder / name).read_text()) if (folder / name).exists() else {}
                              for name in ("sentence_bert_config.json", "special_tokens_map.json"))
    except (OSError, ValueError, StopIteration, KeyError) as err:
        raise InputError(f"embedding model {folder}: the int8 variant needs a sentence-transformers folder with "
                         f"modules.json, a Pooling module and tokenizer files ({err})") from None
    modes = [k for k, v in pooling.items() if k.startswith("pooling_mode_") and v]
    if modes != ["pooling_mode_mean_tokens"] or not (folder / "tokenizer.json").exists():
        raise InputError(f"embedding model {folder}: the int8 variant supports mean-pooling models with a "
                         f"tokenizer.json (this one: {', '.join(modes) or 'no pooling'}); use --precision fp32")
    pad = special.get("pad_token", "[PAD]")
    return {
        "dimension": int(pooling["word_embedding_dimension"]),
        "max_seq_length": int(st_config.get("max_seq_length") or config.get("max_position_embeddings", 512)),
        "lower_case": bool(st_config.get("do_lower_case", False)),
        "pad_token": pad["content"] if isinstance(pad, dict) else pad,
    }


def exported_model(name: str, folder: Path) -> Path:
    """The int8 ONNX file of the model in ``folder``, exported and cached on first use (needs torch then)."""
    label = Path(name).name or "model"
    target = model_cache_dir() / f"{label}-{_content_hash(folder)[:16]}"
    if (target / MODEL_FILE).is_file():
        return target / MODEL_FILE
    _log.warning("exporting embedding model %s to int8 ONNX in %s (once per model; imports torch, ~15 s)",
                 label, target)
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_parts(target.parent, label)
    work = Path(tempfile.mkdtemp(prefix=f".{label}.", suffix=".part", dir=target.parent))
    try:
        _export_int8(folder, work)
        try:
            os.replace(work, target)  # the whole folder appears at once, or not at all
        except OSError:
            if not (target / MODEL_FILE).is_file():  # another process finished first: use its export
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return target / MODEL_FILE


def _remove_stale_parts(cache: Path, label: str) -> None:
    """Remove half-written exports that a killed process left: an export takes seconds, these are an hour old."""
    for part in cache.glob(f".{label}.*.part"):
        try:
            if time.time() - part.stat().st_mtime > _STALE_PART_SECONDS:
                shutil.rmtree(part, ignore_errors=True)
        except OSError:  # another process removed or renamed it meanwhile
            pass


def _content_hash(folder: Path) -> str:
    """sha256 over the folder's file names and bytes: a changed model gets a new export (0.1 s for MiniLM)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(folder)).encode() + b"\0")
        with path.open("rb") as f:
            digest.update(hashlib.file_digest(f, "sha256").digest())
    return digest.hexdigest()


def _export_int8(folder: Path, out: Path) -> None:
    """Write ``out/MODEL_FILE``: the transformer's token vectors as ONNX, weights int8 per output channel."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel

    # Eager attention traces to plain MatMul/Softmax ops; the SDPA path does not export cleanly.
    model = AutoModel.from_pretrained(str(folder), attn_implementation="eager", local_files_only=True).eval()

    class TokenVectors(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.model(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state

    example = {k: torch.ones((2, 16), dtype=torch.int64) for k in _INPUTS}
    # A padded row, so tracing follows the masked-attention path (an all-ones mask may be skipped).
    example["attention_mask"][1, 10:] = 0
    axes = {k: {0: "batch", 1: "tokens"} for k in (*_INPUTS, "token_vectors")}
    plain = out / "model.onnx"
    # The tracer warns about each Python branch it freezes into the graph; the example above picks them.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(TokenVectors(), (example,), str(plain), input_names=list(_INPUTS),
                          output_names=["token_vectors"], dynamic_axes=axes, opset_version=17, dynamo=False)
    # ONNX Runtime's transformer optimizer (fused attention) was left out: no faster here, same cosine
    # (benchmarks/README.md), and its fused ops need a workaround to quantise.
    quiet = logging.root.manager.disable
    logging.disable(logging.WARNING)  # the quantizer's advice to pre-process, on the root logger
    try:
        quantize_dynamic(str(plain), str(out / MODEL_FILE), per_channel=True, weight_type=QuantType.QInt8)
    finally:
        logging.disable(quiet)
    plain.unlink()
