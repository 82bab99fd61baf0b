"""Reading a question (rag/question/) and the text rules it relies on (rag/text.py), on tables of examples.

The focus cases here add to those in test_focus.py; relative time phrases are read as of Wednesday 5 June 2024.
"""
from __future__ import annotations

from datetime import date

import pytest

from rag.question.focus import Focus, asked_focus
from rag.question.followup import (
    is_follow_up,
    is_self_contained,
    last_question,
    standalone_question,
)
from rag.question.kind import ANSWER_KINDS, expected_kinds
from rag.question.time_phrases import TimeIntent, parse_time
from rag.text import (
    FIGURE,
    NAME_OR_NUMBER,
    PROPER_NAME,
    split_sentences,
    words_and_numbers,
)
from rag.types import Turn

AS_OF = date(2024, 6, 5)  # a Wednesday


# ---- the kind of answer asked for ----

@pytest.mark.parametrize("question, kinds", [
    ("Why did Microsoft drop Twitter?", ["reason"]),
    ("How come the deal collapsed?", ["reason"]),
    ("What led to the strike?", ["reason"]),
    ("What were the reasons for the delay?", ["reason"]),
    ("Who was blamed for the outage?", ["reason", "name"]),
    ("How much did the flight cost?", ["figure"]),
    ("How many jobs will go?", ["figure"]),
    ("How old is the oak?", ["figure"]),
    ("What percentage of staff left?", ["figure"]),
    ("Why is the cost rising?", ["reason"]),  # a why-question asks a reason, whatever other words it has
    ("Why did xAI name its chatbot Grok?", ["reason"]),  # "name" is the verb
    ("How did Microsoft rein in the chatbot?", ["manner"]),
    ("How will sellers check a buyer's age?", ["manner"]),
    ("When did Musk leave OpenAI?", ["date"]),
    ("What year did the hoard turn up?", ["date"]),
    ("When and why did the strike end?", ["date"]),  # "why" counts only as the first word
    ("Who won the 2018 World Cup?", ["name"]),
    ("Which bank led the lenders?", ["name"]),
    ("Name the judge.", ["name"]),
    ("What did Musk say?", []),
    ("Tell me about the sinkhole.", []),
])
def test_expected_kinds(question, kinds):
    assert [kind.name for kind in expected_kinds(question)] == kinds


@pytest.mark.parametrize("kind, sentence, gives_it", [
    ("reason", "The deal fell through because of the price.", True),
    ("reason", "The deal fell through.", False),
    ("figure", "It cost $9.74bn.", True),
    ("figure", "Twice as many came.", True),
    ("figure", "One of them came.", False),  # "one" is left out: "one of the ..."
    ("date", "It opened on 3 March.", True),
    ("date", "It opened in 2019.", True),
    ("date", "It opened last week.", True),
    ("date", "It opened.", False),
    ("name", "The award went to Simona Halep.", True),
    ("name", "The award went to her.", False),
    ("manner", "Microsoft responded by limiting users to five questions.", True),
    ("manner", "Microsoft limited users to five questions.", False),
    ("manner", "Lunch was served by noon.", False),
])
def test_how_a_sentence_giving_each_kind_looks(kind, sentence, gives_it):
    looks_like = {k.name: k.looks_like for k in ANSWER_KINDS}[kind]
    assert bool(looks_like.search(sentence)) == gives_it


# ---- the focus (more cases beside test_focus.py) ----

@pytest.mark.parametrize("question, focus", [
    ("How old is the oak?", Focus("old", ("age", "aged"), with_figure=True)),
    ("How tall is the new tower?", Focus("tall", ("height", "taller", "tallest"), with_figure=True)),
    ("So, how heavy was the hoard?", Focus("heavy", ("weight", "weigh", "weighs", "weighed", "heavier", "heaviest"),
                                           with_figure=True)),
    ("How far is the pool from the sea?", Focus("far", ("distance", "away", "miles", "mile", "kilometres",
                                                        "kilometers", "km"), with_figure=True)),
    ("How many pups were flown out of Kabul?", Focus("pups", with_figure=True)),
    ("How many of the 40 staff kept their jobs?", Focus("staff", with_figure=True)),
    ("How much is the hoard worth?", Focus("worth")),
    ("How big a crowd came?", Focus("crowd")),
    ("What was the fine?", Focus("fine")),
    ("What prize did she win?", Focus("prize")),
    ("What’s the name of Twitter’s new owner?", Focus("owner")),  # curly apostrophes; a name owns it
    ("Which of the two banks paid the fine?", Focus("banks")),
    ("What is the depth of the Godstone sinkhole?", Focus("depth")),
    ("Which judge heard the case?", Focus("judge")),  # "heard" is a verb, not what is asked about
])
def test_asked_focus(question, focus):
    assert asked_focus(question) == focus


@pytest.mark.parametrize("question", [
    "How did Musk react?",
    "How many people died?",  # "people" only names the kind of answer
    "How much money did Tesco lose?",
    "What happened in Godstone?",
    "Whose dog was it?",
    "Tell me about the sinkhole.",
])
def test_no_asked_focus(question):
    assert asked_focus(question) is None


# ---- time phrases ----

@pytest.mark.parametrize("question, start, end, phrase", [
    ("What happened today?", date(2024, 6, 5), date(2024, 6, 5), "today"),
    ("What happened yesterday?", date(2024, 6, 4), date(2024, 6, 4), "yesterday"),
    ("What happened this week?", date(2024, 6, 3), date(2024, 6, 5), "this week"),
    ("What happened last week?", date(2024, 5, 27), date(2024, 6, 2), "last week"),  # Monday to Sunday
    ("Any news from the past week?", date(2024, 5, 27), date(2024, 6, 2), "past week"),
    ("What did Musk say in the past 10 days?", date(2024, 5, 26), date(2024, 6, 5), "past 10 days"),
    ("What happened this month?", date(2024, 6, 1), date(2024, 6, 5), "this month"),
    ("What happened last month?", date(2024, 5, 1), date(2024, 5, 31), "last month"),
    ("What happened this year?", date(2024, 1, 1), date(2024, 6, 5), "this year"),
    ("What happened last year?", date(2023, 1, 1), date(2023, 12, 31), "last year"),
    ("What happened in 2023?", date(2023, 1, 1), date(2023, 12, 31), "in 2023"),
    ("Who won during 2019?", date(2019, 1, 1), date(2019, 12, 31), "during 2019"),
    ("What happened in March?", date(2024, 3, 1), date(2024, 3, 31), "in march"),
    ("What happened in July?", date(2023, 7, 1), date(2023, 7, 31), "in july"),  # no month ahead of as_of
    ("What happened in Sept 2022?", date(2022, 9, 1), date(2022, 9, 30), "in sept 2022"),
    ("What happened on 3 March?", date(2024, 3, 3), date(2024, 3, 3), "3 march"),
    ("What happened on March 3rd, 2023?", date(2023, 3, 3), date(2023, 3, 3), "march 3rd, 2023"),
    ("What happened on 9 June?", date(2023, 6, 9), date(2023, 6, 9), "9 june"),  # after as_of: last year's
])
def test_parse_time_windows(question, start, end, phrase):
    assert parse_time(question, AS_OF) == TimeIntent(start, end, recent=False, phrase=phrase)


def test_parse_time_wants_the_newest():
    assert parse_time("What is the latest on Twitter?", AS_OF) == TimeIntent(None, None, True, "latest")
    both = parse_time("The most recent news from last week?", AS_OF)
    assert both == TimeIntent(date(2024, 5, 27), date(2024, 6, 2), True, "latest, last week")


@pytest.mark.parametrize("question", [
    "Why did Microsoft drop Twitter?",
    "What happened on 31 February?",  # no such day
    "What happened in 2101?",
    "Who won the 2018 World Cup?",  # a year that only names the event
])
def test_parse_time_finds_no_time(question):
    assert parse_time(question, AS_OF) is None


@pytest.mark.parametrize("published, fit", [
    (date(2024, 5, 29), 1.0),  # inside the window
    (date(2024, 5, 20), 0.5),  # a week before it
    (date(2024, 6, 9), 0.5 ** (7 / 7)),  # a week after it
    (None, 0.5),  # undated: neither favoured nor dropped
])
def test_time_intent_score_halves_each_week_outside_the_window(published, fit):
    last_week = parse_time("last week", AS_OF)
    assert last_week.score(published, AS_OF) == pytest.approx(fit)


def test_time_intent_score_for_the_newest_halves_each_month():
    latest = parse_time("latest", AS_OF)
    assert latest.score(AS_OF, AS_OF) == 1.0
    assert latest.score(date(2024, 5, 6), AS_OF) == pytest.approx(0.5)
    assert latest.score(date(2024, 6, 6), AS_OF) == 0.0  # after the as-of date


# ---- follow-ups ----

@pytest.mark.parametrize("question, follow_up, self_contained", [
    ("How did Musk react?", True, False),  # short
    ("And the price?", True, False),
    ("What about Tesco?", True, False),
    ("Who is he?", True, False),
    ("Which court heard the case against them?", True, True),  # long enough, but "them" leans on context
    ("Why did Microsoft drop Twitter after the price rise?", False, True),
    ("Tesla profits", True, False),
    ("What did the Tesco boss say?", True, False),  # six words are short
    ("What did the new Tesco boss say?", False, True),  # seven are not
])
def test_follow_up_or_self_contained(question, follow_up, self_contained):
    assert is_follow_up(question) == follow_up
    assert is_self_contained(question) == self_contained


HISTORY = [Turn("Why did Microsoft drop Twitter's API?", "..."), Turn("How did Musk react?", "...")]


@pytest.mark.parametrize("question, history, standalone", [
    ("And Google?", HISTORY, "Why did Microsoft drop Twitter's API? And Google?"),  # the last self-contained one
    ("And Google?", [], "And Google?"),
    ("Why did Microsoft drop Twitter after the price rise in 2023?", HISTORY,
     "Why did Microsoft drop Twitter after the price rise in 2023?"),
    ("Who?", [Turn("Hi", "Hello")], "Hi Who?"),  # no self-contained question: the last one
])
def test_standalone_question(question, history, standalone):
    assert standalone_question(question, history) == standalone


@pytest.mark.parametrize("text, last", [
    ("Why did Microsoft drop Twitter? How did Musk react?", "How did Musk react?"),
    ("  Where is it?  How deep is it?  ", "How deep is it?"),
    ("Is it open? yes", "yes"),
    ("No question here", "No question here"),
    ("", ""),
])
def test_last_question(text, last):
    assert last_question(text) == last


# ---- sentences, figures, names ----

@pytest.mark.parametrize("text, sentences", [
    ("Mr. Smith went to the U.S. on Monday. He left.", ["Mr. Smith went to the U.S. on Monday.", "He left."]),
    ("Dr. J. R. Smith left. The U.K. Government said no.", ["Dr. J. R. Smith left.", "The U.K. Government said no."]),
    ("She lives in the U.S. Her brother does not.", ["She lives in the U.S. Her brother does not."]),  # never after one
    ("Prices rose 5.5% in Jan. 2024. Then they fell.", ["Prices rose 5.5% in Jan. 2024.", "Then they fell."]),
    ('He said: "It works!" Then he left.', ['He said: "It works!"', "Then he left."]),
    ("It rose (by 5%.) Then it fell?", ["It rose (by 5%.)", "Then it fell?"]),
    ("Is it? Yes. e.g. this one.", ["Is it?", "Yes. e.g. this one."]),  # a lower-case start goes on
    ("Headline without a stop\n\n  Body text. £5m went missing.\r\nA caption",
     ["Headline without a stop", "Body text.", "£5m went missing.", "A caption"]),
    ("   ", []),
])
def test_split_sentences_spans_index_the_text_exactly(text, sentences):
    spans = split_sentences(text)
    assert [text[a:b] for a, b in spans] == sentences
    assert all(text[a:b] == text[a:b].strip() for a, b in spans)
    assert [a for a, _ in spans] == sorted(a for a, _ in spans)


def test_figures_as_written():
    text = "Tesco lost $9.74bn, 1,172 jobs and 40% of its value, twice as much as in 2019 and £5m or €3k for half a 3.5 and 10m"
    assert [m.group(0) for m in FIGURE.finditer(text)] == [
        "$9.74bn", "1,172", "40%", "twice", "2019", "£5m", "€3k", "half", "3.5", "10m"]


@pytest.mark.parametrize("text, gives_a_figure", [
    ("Dozens were hurt.", True),
    ("A quarter of staff left.", True),
    ("One of them left.", False),
    ("Nobody left.", False),
])
def test_figure_search(text, gives_a_figure):
    assert bool(FIGURE.search(text)) == gives_a_figure


def test_proper_names_are_two_or_more_capitalised_words():
    text = ("Simona Halep met the Bank of England and Ludwig van Beethoven; Ahmed al-Sharaa and Jean-Luc Picard "
            "spoke to McDonald's Chief. Musk alone is no such name, nor is the U.S.")
    assert PROPER_NAME.findall(text) == [
        "Simona Halep", "Bank of England", "Ludwig van Beethoven", "Ahmed al-Sharaa", "Jean-Luc Picard", "McDonald's Chief"]


def test_names_or_numbers_are_what_a_question_is_about():
    question = "Who won the 2018 World Cup with 7 goals at McDonald's, GitHub and H5N5?"
    assert NAME_OR_NUMBER.findall(question) == ["Who", "2018", "World", "Cup", "McDonald's", "GitHub"]


def test_words_and_numbers_apart():
    assert words_and_numbers("The 15th-century hoard: £9.74bn, Twitter's API v2!") == [
        "the", "15", "th", "century", "hoard", "9", "74", "bn", "twitter", "s", "api", "v", "2"]
