"""The focus of a question (rag/focus.py): what it asks about, beyond the kind of answer."""
from __future__ import annotations

import pytest

from rag.answer.extractive import answer_bonus, focus_bonus
from rag.config import ExtractiveSettings
from rag.question.focus import asked_focus

FOCUS_BONUS = ExtractiveSettings().focus_bonus


@pytest.mark.parametrize("question, word, with_figure", [
    ("How deep is the Godstone sinkhole?", "deep", True),
    ("How much compensation did Tesco pay customers?", "compensation", True),
    ("How many of the maneki-neko cat ornaments went missing?", "ornaments", True),
    ("Roughly how many Twitter employees were laid off?", "employees", True),
    ("In which court did Musk file his lawsuit?", "court", False),
    ("What is the name of Charlotte Peet's mother?", "mother", False),
    ("What's the name of the Sky News journalist who asked Microsoft?", "journalist", False),
    ("Which animal charity's dogs were flown out of Kabul?", "charity", False),
    ("Which bank led the group of lenders?", "bank", False),
    ("Name the judge who handed down the sentence.", "judge", False),
    ("How large a fine did the EU impose on Apple?", "fine", False),
    ("How much did the charter flight cost?", "cost", False),
    ("How long is the pool at the training centre?", "long", True),
    ("How many animals were flown out of Kabul?", "animals", True),  # a category counted stays a focus
])
def test_focus_is_the_word_that_says_what_is_asked(question, word, with_figure):
    focus = asked_focus(question)
    assert focus is not None and focus.word == word
    assert focus.with_figure == with_figure


@pytest.mark.parametrize("question", [
    "In which city is the Colossus supercomputer?",  # the answer names a city without saying "city"
    "Which tech company declares the largest lobbying budget?",
    "What name did Musk first give to the chatbot?",
    "Which member of Trump's cabinet did he meet?",
    "Which came first: the investment or the announcement?",
    "Which happened first: the ceremony or the verdict?",
    "How long did the search take?",  # a duration, not a length
    "How far did Twitter's ad revenue fall?",
    "How much did Microsoft pay for it?",  # "bought it for $5bn" answers it without saying "pay"
    "What does Twitter charge for the Pro tier?",
    "Who won the 2018 World Cup?",
    "Why did Microsoft drop Twitter?",
    "When did Musk leave OpenAI?",
    "What two words did Musk tweet?",
    "Supermarkets in France are struggling to stock which condiment?",  # "mustard": the instance, not the category
    "Which UK supermarket launched its Christmas advert first?",
    "Which small woodland creature could ruin the tree-planting plan?",
])
def test_no_focus_when_the_question_only_names_its_kind_of_answer(question):
    assert asked_focus(question) is None


def test_focus_bonus_wants_a_new_figure_before_the_focus():
    question = "How many coins were recovered from the 15th-century hoard?"
    focus = asked_focus(question)
    assert focus_bonus(focus, "The excavation eventually recovered 112 coins.", question) == FOCUS_BONUS
    # An ordinal or a figure the question already gives is no count.
    assert focus_bonus(focus, "A hoard of 15th-century silver coins was found.", question) < FOCUS_BONUS
    assert focus_bonus(focus, "No money was found.", question) == 0.0


def test_answer_bonus_counts_only_what_the_question_does_not_say():
    question = "What's the name of the $100-a-month plan?"
    assert answer_bonus(question, "For $100 a month, subscribers can read tweets.") == 0.0
    assert answer_bonus(question, "The plan, called Basic Access, costs $100 a month.") > 0.0
    assert answer_bonus("How many jobs will go?", "About 200 jobs will go.") > 0.0
    assert answer_bonus("How many jobs will go?", "Jobs will go, one of the unions said.") == 0.0


def test_since_gives_a_reason_only_as_a_conjunction():
    why = "Why did the company cut jobs?"
    assert answer_bonus(why, "It cut jobs since sales had fallen for a year.") > 0.0
    assert answer_bonus(why, "He has since criticised the company's managers.") == 0.0
    assert answer_bonus(why, "It has cut jobs every year since 2015.") == 0.0
