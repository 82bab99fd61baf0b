"""Click options that more than one command takes: one definition each (``rag.cli``, ``rag.evaluate.command``)."""
from __future__ import annotations

import click

from .index.targets import as_target


class _Store(click.ParamType):
    name = "FOLDER|URI"

    def convert(self, value, param, ctx):
        return as_target(value)


INDEX_OPTION = click.option(
    "--index", "--store", "index_dir", type=_Store(), default=None,
    help="Index folder, or a Milvus store: milvus:///path/file.db (Milvus Lite), milvus://host:19530 or "
         "http://host:19530 (default: $RAG_STORE, else $RAG_INDEX_DIR, else ./index).",
)
