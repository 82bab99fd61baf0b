"""Newsdesk: ask questions of a folder of news articles, with cited answers."""

__version__ = "0.1.0"
