"""Kept for one release: ``Newsdesk`` and ``ask`` now live in ``rag.desk``."""
from .desk import Newsdesk, ask

__all__ = ["Newsdesk", "ask"]
