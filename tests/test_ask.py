"""Cited answers from the sample index: hybrid retrieval, filters, abstention, time, follow-ups."""
from __future__ import annotations

import re
from datetime import date

import pytest
from conftest import SEED_ID, write

from rag.question.time_phrases import parse_time
from rag.retrieve import Filters, retrieve
from rag.types import Turn

MARKER = re.compile(r"\[(\d+)\]")


def assert_citations_resolve(answer):
    numbers = {int(n) for n in MARKER.findall(answer.text)}
    assert numbers == {c.n for c in answer.citations}
    shown = {h.chunk_id for h in answer.passages}
    for c in answer.citations:
        assert c.hit.chunk_id in shown
        assert c.hit.text[c.quote_start:c.quote_end] == c.quote


def test_seed_question_is_answered_from_the_seed_article(desk):
    answer = desk.ask("Why did Microsoft drop Twitter?")
    assert not answer.abstained
    assert SEED_ID in {c.hit.article_id for c in answer.citations}
    assert re.search(r"charg\w+ (businesses|companies)? ?(to access|for (access to )?(the )?data)", answer.text), answer.text
    assert_citations_resolve(answer)


def test_absent_topic_abstains_with_closest_sources(desk):
    answer = desk.ask("Who won the 2018 World Cup?")
    assert answer.abstained
    assert answer.citations == [] and answer.passages
    assert "do not cover" in answer.text


def test_question_about_a_covered_story_but_an_absent_detail_abstains(desk):
    # The sinkhole story gives its length, never its depth; the Tesco story no compensation.
    for question in ("How deep is the Godstone sinkhole?",
                     "How much compensation did Tesco pay customers affected by its website glitch?"):
        answer = desk.ask(question)
        assert answer.abstained, (question, answer.text)
        assert any("focus" in note for note in answer.notes), answer.notes
        assert answer.passages
    assert desk.ask("How deep is the Godstone sinkhole?").abstain_reason == \
        "No article that covers this question gives a figure for “deep”."
    assert desk.ask("Who won the 2018 World Cup?").abstain_reason.startswith("No article found mentions")
    answer = desk.ask("How long had the Godstone sinkhole become by Tuesday lunchtime?")
    assert not answer.abstained and "20 metres" in answer.text
    assert_citations_resolve(answer)


def test_a_why_question_is_answered_by_the_sentence_giving_the_reason_first(desk):
    # Sentences about Grok itself score closer to the question; the one giving the reason leads.
    answer = desk.ask("Why did xAI name its chatbot Grok?")
    assert answer.text.startswith("The name comes from Robert Heinlein's novel Stranger in a Strange Land"), answer.text
    assert_citations_resolve(answer)
    # Worded so that another article about Musk ranks close: its "comes after ..." gives a reason for something
    # else, and the Grok article's "has since criticised" gives none.
    for question in ("Why is the chatbot from Musk's company called Grok?", "Why was Musk's chatbot named Grok?"):
        assert desk.ask(question).text.startswith("The name comes from Robert Heinlein's novel"), question


def test_a_question_counting_names_leads_with_that_many_from_one_sentence(desk):
    # "Who are the two producers ...": one name alone (or the studio's) is not the answer.
    answer = desk.ask("Who are the two producers Amazon MGM formed its James Bond joint venture with?")
    assert first_claim(answer) == "Barbara Broccoli and Michael G Wilson", answer.text
    first = answer.citations[0]
    assert first.verified and "Barbara Broccoli and Michael G Wilson" in first.quote
    assert_citations_resolve(answer)


def test_a_how_question_is_answered_by_the_sentence_saying_how(desk):
    # "responded BY LIMITING ..." says how; without the manner kind the answer quoted the chatbot's launch.
    answer = desk.ask("How did Microsoft tame the Bing chatbot once testers shared its odd, combative chats?")
    assert "limiting users to five questions per session" in answer.text.split("[1]")[0], answer.text
    assert_citations_resolve(answer)


def test_the_most_is_read_from_the_figures_beside_each_name(desk):
    # No sentence says who got the longest term: 14, 12, nine and eight years are given name by name.
    answer = desk.ask("Who among the Kestrel Dawn crew was given the longest jail term?")
    assert first_claim(answer) == "Darius Whitlow", answer.text
    assert "jailed for 14 years" in answer.text and "12 years and nine years respectively" in answer.text
    assert_citations_resolve(answer)
    # A sentence that ranks a name first answers at once.
    assert first_claim(desk.ask("Which company spent the most on EU lobbying?")) == "Meta"


def test_the_cheaper_of_two_options_is_chosen_by_their_prices(desk):
    answer = desk.ask("Which is cheaper each month: Twitter Blue on the web or the cheapest tier of the Twitter API?")
    assert answer.text.startswith("Twitter Blue on the web ($8 against $100): "), answer.text
    assert_citations_resolve(answer)
    # Each option's figure from a sentence about it: not 2024's full-year £7.9bn beside its fourth quarter.
    revenue = desk.ask("Which Brightwell Foods quarter brought in more revenue: the first quarter of 2024 or the first "
                       "quarter of 2025?")
    assert revenue.text.startswith("The first quarter of 2025 (£2.05bn against £1.82bn): "), revenue.text


def test_the_scene_a_question_sets_need_not_be_in_the_passages(desk):
    # Quiz style: a sentence of context, then the question. Its words count for coverage only where found.
    scene = ("Commuters, hauliers, farmers and parish councillors grumbled about diversions, tailbacks and "
             "potholes all week.")
    answer = desk.ask(f"{scene} How long had the Godstone sinkhole become by Tuesday lunchtime?")
    assert not answer.abstained and "20 metres" in answer.text, (answer.text, answer.notes)
    # The question itself must still be covered: the article never gives a depth.
    assert desk.ask(f"{scene} How deep is the Godstone sinkhole?").abstained


def test_which_of_two_events_came_first_is_read_from_the_dates_of_the_articles_reporting_them(desk):
    answer = desk.ask("Which came first: Microsoft's multibillion-dollar OpenAI investment or its confirmation "
                      "that Bing runs on GPT-4?")
    assert answer.text.startswith("Microsoft's multibillion-dollar OpenAI investment (23 January 2023, then 15 March 2023): ")
    assert [c.hit.article_id for c in answer.citations] == ["tech/microsoft-openai-investment", "tech/bing-gpt4-chatbot"]
    assert all(c.verified for c in answer.citations)
    answer = desk.ask("Which happened later: the OpenAI investment or the Bing confirmation?")
    assert answer.text.startswith("The Bing confirmation (23 January 2023, then 15 March 2023): ")
    answer = desk.ask("Did Microsoft notify Smart Campaigns customers about dropping Twitter before or after Musk "
                      "threatened to sue it?")
    assert answer.text.startswith("Before (19 February 2025, then 22 February 2025): ")
    assert_citations_resolve(answer)


def test_events_of_one_article_are_not_ordered_by_its_date(desk):
    # Both races of the 2022 Tour are in one article: its date says nothing of their order.
    answer = desk.ask("Which came first: Jonas Eriksen's win or Isla Brodie's win in the women's race?")
    assert not re.match(r"^[^:]*\(\d+ \w+ \d{4}, then", answer.text), answer.text


def test_articles_about_other_years_do_not_answer_for_the_asked_one(desk):
    # The sample holds the 2023 and 2024 Harbourside Opens, and mentions 2022 elsewhere; not the 2022 Open.
    answer = desk.ask("Who won the women's singles at the 2022 Harbourside Open?")
    assert answer.abstained, answer.text
    assert answer.abstain_reason == "The articles found tell of another year than “2022”."
    # An article that names no year beside the race, published before the asked year, is not about it either.
    answer = desk.ask("Who won the 2023 Tour of the Northern Fells?")
    assert answer.abstained and answer.abstain_reason == "The articles found tell of another year than “2023”."
    answer = desk.ask("Who won the women's singles at the 2023 Harbourside Open?")
    assert not answer.abstained and "Kovač" in answer.text
    # Published in the asked year counts, whatever other years the article names beside the race.
    answer = desk.ask("Who won the men's race at the 2024 Lakeside Marathon?")
    assert not answer.abstained and "Bekele" in answer.text
    # A year after "since" is a point of reference, not the year asked about: articles of 2025 answer.
    answer = desk.ask("What has Twitter charged for its API since 2023?")
    assert not answer.abstained and "$100" in answer.text, answer.abstain_reason
    # A year qualifies the names of its own clause: the 2023 deal is Microsoft's, not Musk's.
    answer = desk.ask("Who has put more money into OpenAI: Elon Musk as a donor, or Microsoft with its 2023 deal?")
    assert not answer.abstained, answer.abstain_reason


def test_figure_question_brings_the_sentence_that_gives_the_figure(desk):
    # The closest sentences restate the find ("a hoard of 15th-century silver coins"); the count is further down.
    answer = desk.ask("How many coins did the detectorists' hoard near Ednam contain?")
    assert not answer.abstained and "112 coins" in answer.text, answer.text
    assert_citations_resolve(answer)


def test_which_question_brings_the_sentence_naming_the_answer(desk):
    # The lead sentence says "Ireland's courts"; the court itself is named further down the article.
    answer = desk.ask("In which court was the driver in the crash that killed Ronan Keating's brother sentenced?")
    assert "Castlebar Circuit Court" in answer.text, answer.text
    assert_citations_resolve(answer)


def test_which_outlets_ran_a_story_is_answered_from_sources_and_copies(desk):
    answer = desk.ask("Which two outlets ran the story quoting Dr Marisol Okonkwo-Reyes about Twitter's API charges?")
    assert not answer.abstained and answer.backend == "metadata"
    assert answer.text.startswith("Tech Ledger and Pacific Newswire [1]. ")  # the names lead
    assert "Tech Ledger (16 February 2025)" in answer.text and "Pacific Newswire (17 February 2025)" in answer.text
    assert answer.citations[0].hit.article_id == "tech/twitter-api-pricing"
    assert "Okonkwo-Reyes" in answer.citations[0].hit.text
    assert_citations_resolve(answer)
    both = desk.ask("Which outlet published both the January inflation figures and General Sir Nick Carter's warning?")
    assert both.text.startswith("Capital Dispatch published both") and len(both.citations) == 2
    assert_citations_resolve(both)
    # A question about the story's content that names a newspaper is not about who ran it.
    assert desk.ask("Oded Lifschitz worked as a journalist for which newspaper?").backend == "extractive"


def test_answer_may_come_from_the_passage_next_to_the_retrieved_ones(desk):
    question = "How many monthly users does Threads have now?"
    retrieved = {h.chunk_id for h in desk.retrieve(question).hits}
    answer = desk.ask(question)
    assert "320 million" in answer.text, answer.text
    cited = {c.hit.chunk_id for c in answer.citations if "320 million" in c.quote}
    assert cited and not cited & retrieved  # a neighbour of the retrieved passages, shown after them
    assert cited <= {h.chunk_id for h in answer.passages}
    assert_citations_resolve(answer)


def test_exact_rare_term_is_found_through_bm25(desk):
    retrieval = desk.retrieve("ConsultMyApp")
    top = retrieval.hits[0]
    assert top.article_id == SEED_ID and "ConsultMyApp" in top.text
    assert top.lexical_score > 0
    answer = desk.ask("Who runs ConsultMyApp?")
    assert "Mike Rhodes" in answer.text
    assert_citations_resolve(answer)


def test_source_and_date_filters_apply_inside_retrieval(desk):
    only_seed_source = desk.retrieve("Twitter data", k=5, sources=["Beautiful Virgin Islands"])
    assert only_seed_source.hits and {h.source for h in only_seed_source.hits} == {"Beautiful Virgin Islands"}
    window = desk.retrieve("Twitter", k=8, since=date(2025, 2, 15), until=date(2025, 2, 20))
    assert window.hits
    assert all(date(2025, 2, 15) <= h.published <= date(2025, 2, 20) for h in window.hits)
    assert desk.retrieve("Twitter", sources=["No Such Outlet"]).hits == []


def test_passages_are_diverse(desk):
    hits = desk.retrieve("Twitter", k=8).hits
    per_article = {}
    for h in hits:
        per_article[h.article_id] = per_article.get(h.article_id, 0) + 1
    assert max(per_article.values()) <= desk.retrieve_settings.max_per_article
    assert len({h.chunk_id for h in hits}) == len(hits)


def test_time_phrase_favours_the_asked_dates():
    as_of = date(2025, 2, 28)
    february = parse_time("What happened in February 2025?", as_of)
    assert (february.start, february.end) == (date(2025, 2, 1), date(2025, 2, 28))
    week = parse_time("What did Musk say this week?", as_of)
    assert week.start == date(2025, 2, 24) and week.end == as_of
    assert parse_time("latest news on Twitter", as_of).recent
    assert parse_time("Why did Microsoft drop Twitter?", as_of) is None
    assert week.score(date(2025, 2, 25), as_of) > week.score(date(2025, 1, 2), as_of) > 0
    assert week.score(None, as_of) == 0.5  # undated articles are not thrown away


def test_as_of_changes_what_latest_means(desk):
    recent = desk.retrieve("latest on Microsoft and OpenAI", k=5, as_of=date(2025, 3, 1)).hits
    older = desk.retrieve("latest on Microsoft and OpenAI", k=5, as_of=date(2023, 2, 1)).hits
    assert recent[0].published.year == 2025
    assert older[0].published.year == 2023


def test_follow_up_uses_the_conversation(desk):
    first = desk.ask("Why did Microsoft drop Twitter?")
    follow = desk.ask("How did Musk react?", history=[Turn(first.question, first.text)])
    assert "Microsoft" in follow.retrieval_query
    assert re.search(r"sue|lawsuit", follow.text, re.I), follow.text
    assert_citations_resolve(follow)


def test_retrieve_with_empty_filters_result(desk):
    result = retrieve(desk.index, desk.embedder, "Twitter", filters=Filters(since=date(2031, 1, 1)))
    assert result.hits == []


def test_follow_up_is_checked_for_what_it_asks_itself(desk):
    # After an unanswerable "How deep ...?", the follow-up asks a length, which the article gives.
    first = desk.ask("How deep is the Godstone sinkhole?")
    assert first.abstained
    follow = desk.ask("And how long had it become by Tuesday lunchtime?",
                      history=[Turn(first.question, first.text)])
    assert not follow.abstained, follow.notes
    assert "20 metres" in follow.text


# Two editions of one race, two quarters' results, a choice and a denial: where one detail of the
# question separates the answer from its neighbour.
READER_ARTICLES = {
    "tour-2019.md": ("Bernal becomes first Colombian to win the Tour", "2019-07-28",
                     "Egan Bernal officially won the 2019 Tour de France on Sunday in Paris. The 22-year-old is the "
                     "first Colombian to win the race and the youngest winner in more than a century. Bernal rode "
                     "for Team Ineos, which has won seven of the last eight editions."),
    "tour-2021.md": ("Pogacar retains his title in Paris", "2021-07-18",
                     "Tadej Pogacar won the 2021 Tour de France on Sunday, his second title in a row. The Slovenian "
                     "finished more than five minutes ahead of Jonas Vingegaard of Denmark. The 2021 race started "
                     "in Brittany and ended on the Champs-Elysees in Paris."),
    "tesla.md": ("Tesla results over two years", "2023-04-20",
                 "Tesla reported revenue of $10.4 billion for the first quarter of 2021, when deliveries rose "
                 "sharply. Two years later the carmaker had more than doubled its sales. In the first quarter of "
                 "2023, Tesla's revenue was $23.3 billion, helped by price cuts."),
    "dreamworks.md": ("Who owns DreamWorks Animation", "2022-03-02",
                      "DreamWorks Animation, the studio behind Shrek, is owned by Universal, a unit of Comcast. "
                      "Comcast bought the studio for $3.8 billion in 2016. Time Warner had held talks about a deal "
                      "years earlier but never made an offer. Netflix did not raise its prices in Canada this year, "
                      "the studio's streaming partner said."),
}


@pytest.fixture(scope="module")
def reader_desk(tmp_path_factory):
    from rag.desk import Newsdesk
    from rag.ingest.build import build_index

    folder = tmp_path_factory.mktemp("reader")
    for name, (title, published, body) in READER_ARTICLES.items():
        write(folder / "articles", name, f"---\ntitle: {title}\nsource: Test Wire\npublished: {published}\n---\n{body}\n")
    build_index([folder / "articles"], folder / "index")
    return Newsdesk(folder / "index")


def first_claim(answer) -> str:
    return MARKER.split(answer.text, 1)[0].strip(" .")


def test_a_sentence_naming_another_year_never_answers(reader_desk):
    answer = reader_desk.ask("Who won the 2021 Tour de France?")
    assert first_claim(answer) == "Tadej Pogacar", answer.text
    assert "2019" not in answer.text and "Bernal" not in answer.text
    assert first_claim(reader_desk.ask("Who won the 2019 Tour de France?")) == "Egan Bernal"
    answer = reader_desk.ask("What was Tesla's revenue in the first quarter of 2023?")
    assert first_claim(answer) == "$23.3 billion" and "10.4" not in answer.text, answer.text
    assert_citations_resolve(answer)


def test_q1_asks_for_what_the_article_calls_the_first_quarter(reader_desk):
    answer = reader_desk.ask("What was Tesla's revenue in Q1 2021?")
    assert first_claim(answer) == "$10.4 billion", (answer.text, answer.abstain_reason)
    assert reader_desk.ask("What was Tesla's revenue in Q2 2021?").abstained  # no article gives the second quarter


def test_name_date_and_amount_answers_lead_with_the_short_answer_it_cites(reader_desk):
    answer = reader_desk.ask("When did Comcast buy DreamWorks Animation?")
    assert first_claim(answer) == "2016", answer.text
    assert MARKER.findall(answer.text)[:2] == ["1", "1"]  # the date and the sentence it is read from: one source
    assert answer.citations[0].verified and "2016" in answer.citations[0].quote
    assert_citations_resolve(answer)


def test_yes_no_and_either_or_questions_get_the_choice(reader_desk):
    answer = reader_desk.ask("Is DreamWorks Animation owned by Time Warner or Universal?")
    assert first_claim(answer) == "Universal", answer.text
    assert reader_desk.ask("Did Netflix raise its prices in Canada?").text.startswith("No: ")
    assert reader_desk.ask("Did Comcast buy DreamWorks Animation?").text.startswith("Yes: ")
    assert all(c.verified for c in answer.citations)


def test_a_yes_no_question_no_sentence_plainly_answers_abstains_and_says_why(reader_desk):
    # The article covers the question (Time Warner, DreamWorks, a deal) but says "held talks", not yes or no.
    answer = reader_desk.ask("Did Time Warner buy DreamWorks Animation?")
    assert answer.abstained and answer.passages, answer.text
    assert answer.abstain_reason == "No passage found plainly says yes or no to this."


def test_a_sentence_that_only_restates_the_question_brings_the_one_after_it(tmp_path):
    from rag.desk import Newsdesk
    from rag.ingest.build import build_index

    write(tmp_path / "articles", "variant.md", "---\ntitle: Covid cases climb again\npublished: 2022-07-12\n---\n"
          "Nearly three years since the pandemic began, the most transmissible variant yet has arrived. The latest "
          "version, the XR.7 variant, is fuelling a surge in hospital admissions. Doctors urge people to take up "
          "booster doses.\n")
    build_index([tmp_path / "articles"], tmp_path / "index")
    answer = Newsdesk(tmp_path / "index").ask("Nearly three years since the pandemic began, the most transmissible variant yet has "
                             "arrived. What is it called?")
    assert "XR.7" in answer.text, (answer.text, answer.abstain_reason)
    assert_citations_resolve(answer)


def test_citation_check_rejects_a_sentence_naming_another_year_or_figure(reader_desk):
    from rag.grounding.cite import check_citations

    hits = reader_desk.retrieve("Tesla revenue first quarter").hits
    tesla = next(n for n, h in enumerate(hits, 1) if "Tesla" in h.title)
    wrong = check_citations(f"Tesla's revenue was $23.3 billion in the first quarter of 2021. [{tesla}]", hits,
                            reader_desk.scorer)
    assert not any(c.verified for c in wrong.citations), wrong
    right = check_citations(f"Tesla's revenue was $23.3 billion in the first quarter of 2023. [{tesla}]", hits,
                            reader_desk.scorer)
    assert [c.verified for c in right.citations] == [True] and "23.3" in right.citations[0].quote


def test_retrieval_ranks_the_passage_of_the_asked_year_above_another_year(reader_desk):
    from dataclasses import replace as with_settings

    from rag.config import RetrieveSettings

    question = "Who won the Tour de France in 2021?"
    boosted = retrieve(reader_desk.index, reader_desk.embedder, question).hits
    assert "Pogacar" in boosted[0].title
    plain = retrieve(reader_desk.index, reader_desk.embedder, question,
                     settings=with_settings(RetrieveSettings(), constraint_boost=0.0)).hits

    def score_of_2019(hits):
        return next(h.score for h in hits if "Bernal" in h.title)

    assert score_of_2019(boosted) < score_of_2019(plain)  # named another year: it sinks
