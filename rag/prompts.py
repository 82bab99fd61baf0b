"""Every text Newsdesk says on its own or sends to a language model, in one place."""

# The one fixed sentence for "the articles do not say": backends must answer with it exactly.
NOT_COVERED = "The articles do not cover this."
