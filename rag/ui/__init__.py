"""The Streamlit chat (``app.py``) in pieces: what it shows and how, kept out of the library.

``highlight``, ``turns`` and ``transcript`` are plain Python (article text to safe HTML, the record
of a conversation, its Markdown export); ``resources``, ``sidebar``, ``manage`` and ``chat`` draw
with Streamlit.
"""
