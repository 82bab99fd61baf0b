"""The chat's look: one style sheet, added once per page."""
from __future__ import annotations

import streamlit as st

CSS = """
h1 { font-family: Georgia, 'Times New Roman', serif !important; letter-spacing: -.01em; }
.nd-gap { display: block; height: .55em; }
.nd-question { font-size: 1.02rem; line-height: 1.55; }
.nd-answer { font-size: 1.06rem; line-height: 1.65; margin-bottom: .25rem; }
.nd-short { font-family: Georgia, 'Times New Roman', serif; font-size: 1.45rem; font-weight: 700; line-height: 1.35;
            margin-bottom: .3rem; }
.nd-cite { display: inline-block; font-size: .72em; font-weight: 700; line-height: 1.2; vertical-align: .35em;
           padding: .05em .35em; margin: 0 .1em; border-radius: .6em; text-decoration: none !important;
           color: #1d4ed8 !important; background: rgba(29, 78, 216, .1); }
a.nd-cite:hover { background: rgba(29, 78, 216, .22); }
.nd-label { font-size: .74rem; font-weight: 700; letter-spacing: .06em; text-transform: uppercase;
            color: rgba(100, 116, 139, 1); margin: .6rem 0 .1rem; }
.nd-source-head { display: flex; gap: .6rem; align-items: flex-start; }
.nd-ns { flex: none; display: inline-flex; flex-direction: column; gap: .2rem; }
.nd-n { flex: none; display: inline-flex; align-items: center; justify-content: center; width: 1.55rem;
        height: 1.55rem; border-radius: 50%; background: #1e3a5f; color: #fff; font-size: .8rem; font-weight: 700;
        margin-top: .1rem; scroll-margin-top: 4rem; }
.nd-title { font-family: Georgia, 'Times New Roman', serif; font-size: 1.05rem; font-weight: 600; line-height: 1.35; }
.nd-title a { color: inherit !important; text-decoration: none; border-bottom: 1px solid rgba(100, 116, 139, .5); }
.nd-title a:hover { border-bottom-color: currentColor; }
.nd-meta { font-size: .82rem; color: rgba(100, 116, 139, 1); margin-top: .1rem; }
.nd-passage-text { font-size: .92rem; line-height: 1.6; opacity: .92; border-left: 3px solid rgba(148, 163, 184, .45);
                   padding: .1rem 0 .1rem .8rem; margin: .2rem 0 .2rem 2.15rem; }
.nd-article { font-family: Georgia, 'Times New Roman', serif; font-size: 1rem; line-height: 1.7; max-height: 30rem;
              overflow-y: auto; padding-right: .5rem; }
mark.nd-quote { background: rgba(250, 204, 21, .45); color: inherit; padding: 0 .1em; border-radius: .2em; }
strong.nd-h { font-family: Georgia, 'Times New Roman', serif; font-size: 1.05em; }
mark.nd-passage { background: rgba(59, 130, 246, .1); color: inherit; padding: 0; }
.nd-abstain { font-size: .9rem; color: rgba(100, 116, 139, 1); margin-top: -.1rem; }
"""


def apply() -> None:
    """Add the style sheet (st.html puts a style-only block out of the page flow)."""
    st.html(f"<style>{CSS}</style>")
