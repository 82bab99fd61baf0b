"""Answer backends: one interface (``base.AnswerBackend``), one module per backend."""

from .base import AnswerBackend, BackendContext, available_backends, get_backend

__all__ = ["AnswerBackend", "BackendContext", "available_backends", "get_backend"]
