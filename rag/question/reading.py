"""A question read once: the kind of answer it asks for, the constraints an answer must meet, its focus.

"Who won the 2021 Tour de France?" asks for a PERSON, constrained to the year 2021 and the name "Tour de
France". A sentence naming another year ("Egan Bernal won the 2019 Tour de France") is not a near answer
but a wrong one: ``Constraints.agreement`` says so, for retrieval, the extractive reader and the
citation check alike.

Rules over the question's words, no model: questions are short and formulaic, and spaCy's small model
reads them worse than these rules (it misses "Tour de France" in the question above and calls "Tesla" a
person). spaCy is used where it is better, typing the names in answer sentences (``rag.answer.short``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from ..index.lexical import terms
from .focus import Focus, asked_focus
from .kind import ASKS_WHY

# Kinds whose answer is a short span to lead with ("Simona Halep [1]."), and the choices.
NAME_KINDS = ("person", "organisation", "place")
SHORT_KINDS = (*NAME_KINDS, "date", "amount", "number")
CHOICE_KINDS = ("yes/no", "either/or")

_AUXILIARY_START = re.compile(r"^\W*(?:is|are|was|were|do|does|did|has|have|had|can|could|will|would|should|"
                              r"isn't|aren't|wasn't|didn't|doesn't|hasn't|won't)\b", re.I)
_WHO = re.compile(r"^\W*(?:who|whom|whose)\b|\bwho (?:is|was|were|are|will|did|won|has|had)\b", re.I)
_WHERE = re.compile(r"^\W*where\b|\bwhere (?:is|was|were|are|did|does|will)\b", re.I)
_WHEN = re.compile(r"^\W*when\b|\bwhen (?:is|was|were|did|does|will)\b|\b(?:what|which) (?:year|date|day|month)\b|"
                   r"\bwhat time\b|\bhow long ago\b", re.I)
# "What was Tesla's revenue": up to three words between the question word and the noun.
_WHAT_NOUN = r"\b(?:what|which)\b(?:\s+[\w'’-]+){0,3}?\s+"
_AMOUNT = re.compile(rf"\bhow much\b|{_WHAT_NOUN}(?:price|cost|amount|revenue|salary|fine|fee|sum|value|valuation|"
                     r"budget|profit|loss|bill|compensation)s?\b", re.I)
_NUMBER = re.compile(rf"\bhow (?:many|old|long|far|big|large|deep|tall|high|heavy|wide|fast|often)\b|"
                     rf"{_WHAT_NOUN}(?:number|percentage|share|proportion|rate|age|temperature|score)\b", re.I)
_HOW = re.compile(r"^\W*how (?:did|does|do|is|are|was|were|will|can|could|would|has|have)\b", re.I)
_LIST = re.compile(r"\bname (?:two|three|four|five|all|the \w+ (?:countries|companies|people|states))\b|"
                   r"\b(?:what|which) (?:are|were) the\b", re.I)
# "Which <noun>": the noun says the kind of name asked for.
_PERSON_NOUNS = frozenset(
    "person man woman player actor actress singer star rapper athlete politician leader president ceo executive "
    "judge justice senator author director celebrity musician golfer official minister governor billionaire founder "
    "coach lawmaker candidate chancellor king queen prince princess pope mayor champion rider driver boxer "
    "footballer cricketer comedian host journalist writer artist scientist lawyer spokesperson".split())
_ORGANISATION_NOUNS = frozenset(
    "company firm organisation organization team agency party club bank brand network outlet retailer airline "
    "automaker carmaker startup studio university newspaper publication broadcaster streamer union court "
    "charity group business manufacturer chain regulator government ministry department".split())
_PLACE_NOUNS = frozenset(
    "country city state continent region town island county nation place location capital province village "
    "venue stadium airport port".split())
_NOUNS = {"person": _PERSON_NOUNS, "organisation": _ORGANISATION_NOUNS, "place": _PLACE_NOUNS}
_WHICH_WORDS = re.compile(r"\b(?:which|what)(?:\s+of\s+(?:the|these|those)(?:\s+\w+)?)?((?:\s+[a-z-]+){1,3})",
                          re.I)  # "which tennis PLAYER", "which of the four MEN"
_IRREGULAR = {"men": "man", "women": "woman", "people": "person", "children": "child"}
# "Who were the TWO Republican senators ...?", "Which THREE countries ...?", "Name two companies ...": so many names.
_COUNTED = re.compile(r"^\W*(?:(?:(?:in|at|from|to|for|by|with)\s+)?(?:who|which|what)\s+(?:(?:are|were)\s+the\s+)?|"
                      r"name\s+(?:the\s+)?)"
                      r"(two|three|four|five)\b((?:\s+[a-z-]+){0,3})", re.I)
_COUNTS = {"two": 2, "three": 3, "four": 4, "five": 5}

YEAR = re.compile(r"(?<![\d$£€.,])(?:19|20)\d{2}(?![\d%])")
_QUARTER_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4}
_QUARTER = re.compile(r"\bq([1-4])\b|\b(first|second|third|fourth)[- ]quarter\b", re.I)
_ORDINAL_WORDS = {w: i for i, w in enumerate(
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth".split(), 1)}
_ORDINAL = re.compile(r"\b(\d+)(?:st|nd|rd|th)\b[\s-]+([a-z]+)|\b(" + "|".join(_ORDINAL_WORDS) + r")[\s-]+([a-z]+)",
                      re.I)
# Qualifiers that split one event into several: naming another of the same group is naming another event.
_QUALIFIER_GROUPS = (("men's", "women's"), ("singles", "doubles"), ("boys'", "girls'"), ("junior", "senior"))
_QUALIFIER = re.compile(r"\b(?:wo)?men[’']s\b|\b(?:singles|doubles|boys[’']|girls[’']|junior|senior)(?=\W|$)", re.I)
_NAME = re.compile(r"\b[A-Z][\w'’&.-]*(?:\s+(?:of|de|the|and|&|van|von|for)?\s*[A-Z0-9][\w'’&.-]*)*")
_YEAR_WINDOW = 3  # words either side of a year that say what it is the year of
_QUESTION_TERMS = frozenset(terms("who what which when where why how won win year"))  # "won" is too common a verb
_OPTIONS_LIST = re.compile(r"\s*Options?:\s*(.+?)\s*$", re.I)
_OR = re.compile(r"\s+or\s+", re.I)
_CHOICE_START = re.compile(rf"{_AUXILIARY_START.pattern}|^\W*(?:which|who|what)\b|\bwhether\b", re.I)
_BREAK_WORDS = frozenset("is are was were do does did has have had can could will would should be by in on at of "
                         "to for from with than whether the a an it its their".split())


@dataclass(frozen=True)
class Constraints:
    """What an answer must agree with: the years, quarters, editions and qualifiers the question names,
    and the names it is about. ``ordinals`` pairs a number with the word it counts: (75, "golden")."""

    years: tuple[int, ...] = ()
    quarters: tuple[int, ...] = ()
    ordinals: tuple[tuple[int, str], ...] = ()
    qualifiers: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()
    # The question's other words (index terms): a year in a sentence is about what the words around it say.
    about: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.years or self.quarters or self.ordinals or self.qualifiers)

    @property
    def dated(self) -> bool:
        """Whether a year, quarter or edition is named: the question is about that time, not the newest news."""
        return bool(self.years or self.quarters or self.ordinals)

    def describe(self) -> str:
        """The constraints in words, for a prompt: "2021; Q1; women's"."""
        parts = [str(y) for y in self.years] + [f"Q{q}" for q in self.quarters]
        parts += [f"{_ordinal(n)} {word}" for n, word in self.ordinals] + list(self.qualifiers)
        return "; ".join(parts)

    def agreement(self, text: str, published: date | None = None) -> int:
        """-1 when ``text`` names a different year, quarter, edition or qualifier than asked; 1 when it names
        the asked ones; 0 when it names none of either.

        Another year than asked counts only beside a word of the question ("won the 2019 TOUR"): "whose
        2009 track" says nothing about which MOBO Awards are meant. A text naming no year is dated by its article:
        published before the asked year it cannot report what happened in it. Published later it may
        look back ("last year's winner"), so it stays neutral.
        """
        years = _years(text)
        if self.about and not years & set(self.years):
            years = _years_beside(text, self.about)  # the asked year counts anywhere, another only beside
        votes = [_agree(self.years, years), _agree(self.quarters, _quarters(text))]
        if self.years and not _years(text) and published is not None:
            votes.append(1 if published.year in self.years else -1 if published.year < min(self.years) else 0)
        ordinals = _ordinals(text)
        for n, word in self.ordinals:
            named = {m for m, w in ordinals if w == word}
            votes.append(_agree((n,), named))
        qualifiers = {q.lower() for q in _qualifiers(text)}
        for asked in self.qualifiers:
            group = next((g for g in _QUALIFIER_GROUPS if asked in g), (asked,))
            votes.append(_agree((asked,), qualifiers & set(group)))
        return -1 if -1 in votes else 1 if 1 in votes else 0


@dataclass(frozen=True)
class Order:
    """A question asking which of two events came first, or last: the events as the question words them.
    ``relative``: it asks whether the first came before or after the second ("Did X before or after Y?")."""

    events: tuple[str, str]
    earliest: bool = True
    relative: bool = False


@dataclass(frozen=True)
class Comparison:
    """A question asking which is the most or the least of something ("the LONGEST sentence", "spends the MOST",
    "costs MORE: X or Y?"): ``most`` False for least/fewer/cheaper; ``options`` when it names the candidates."""

    most: bool
    options: tuple[str, ...] = ()
    measure: str = ""  # the question less its options: what is compared ("... brought Kestrel Air more passengers")


@dataclass(frozen=True)
class QuestionReading:
    """What a question asks: the kind of answer, the constraints it must agree with, its focus, and the
    options of a choice ("Time Warner or Universal")."""

    question: str
    kind: str  # person, organisation, place, date, amount, number, yes/no, either/or, list, reason, how, thing
    constraints: Constraints = field(default_factory=Constraints)
    focus: Focus | None = None
    options: tuple[str, ...] = ()
    order: Order | None = None  # which of two events came first or last
    comparison: Comparison | None = None  # which is the most or the least
    count: int = 1  # how many names are asked for: "Who were the two senators ...?" asks for two

    @property
    def short(self) -> bool:
        """The answer is a name, date, amount or number to lead with."""
        return self.kind in SHORT_KINDS


def read_question(question: str) -> QuestionReading:
    """Read ``question``: its kind of answer, constraints, focus and options (see ``QuestionReading``)."""
    body, options = _options(question)
    order = _order(body)
    if order:
        # "Before" or "After" is read from dates only (rag.answer.order): a sentence saying "after" chooses nothing.
        options = () if order.relative else order.events
    comparison = None if order else _comparison(body, options)
    if comparison and comparison.options:
        options = comparison.options
    counted = None if options or order else _counted(body)
    kind = "either/or" if options or order else counted[1] if counted else _kind(body)
    return QuestionReading(question, kind, constraints(body), asked_focus(body), options, order, comparison,
                           counted[0] if counted else 1)


# "Which came first: X or Y?", "Which happened later, X or Y?"
_ORDER_CHOICE = re.compile(r"^\W*(?:which|what)\b[^:,?]*?\b(first|earlier|sooner|later|last|most recently)\W*[:,]\s*"
                           r"(.+?),?\s+or\s+(.+?)\s*\?*\s*$", re.I)
# "Did X before or after Y?"
_BEFORE_AFTER = re.compile(r"^\W*(?:did|was|were|is|are|has|have|had|does|do)\s+(.+?)\s+(?:before or after|after or "
                           r"before)\s+(.+?)\s*\?*\s*$", re.I)


def _order(question: str) -> Order | None:
    """The two events whose order ``question`` asks, if it asks one."""
    choice = _ORDER_CHOICE.match(question)
    if choice:
        return Order((choice.group(2), choice.group(3)), earliest=choice.group(1).lower() in ("first", "earlier", "sooner"))
    relative = _BEFORE_AFTER.match(question)
    if relative:
        return Order((relative.group(1), relative.group(2)), relative=True)
    return None


# Words that ask for the largest or the smallest of a measure. "Most", "more", "least" and "less" not before an
# adjective (spaCy's tag JJ): there they grade a quality ("the most liveable city"), not a figure.
_MOST_WORDS = frozenset("most more biggest bigger largest larger greatest greater highest higher longest longer "
                        "oldest older richest richer heaviest heavier".split())
_LEAST_WORDS = frozenset("least less fewest fewer smallest smaller lowest lower shortest shorter youngest younger "
                         "cheapest cheaper poorest poorer".split())
GRADED_WORDS = _MOST_WORDS | _LEAST_WORDS
_GRADED = re.compile(rf"\b(?:{'|'.join(sorted(GRADED_WORDS))})\b", re.I)
_MORE_THAN = re.compile(r"\b(?:more|less) than\b", re.I)  # "won more than three races" compares nothing
_PICKS = re.compile(r"^\W*(?:which|who|what)\b", re.I)
# "Which costs more each month: X, or Y?"
_COMPARED = re.compile(r"[:,]\s*(.+?),?\s+or\s+(.+?)\s*\?*\s*$")


def _comparison(question: str, options: tuple[str, ...]) -> Comparison | None:
    """The comparison ``question`` asks for, if it asks which is the most or least of something."""
    if not (_PICKS.search(question) and _GRADED.search(question)) or _MORE_THAN.search(question):
        return None
    from ..entities import tags  # spaCy only for a question with a graded word

    compared = _COMPARED.search(question)
    asking = question[:compared.start()] if compared else question  # "the cheapest paid tier" is an option
    words = [(word.lower(), tag) for word, tag in tags(asking) if word[:1].isalnum()]
    graded = [w for i, (w, _) in enumerate(words) if w in GRADED_WORDS
              and not (w in ("most", "more", "least", "less") and i + 1 < len(words) and words[i + 1][1] == "JJ")]
    if not graded:
        return None
    named = (compared.group(1), compared.group(2)) if compared else options
    return Comparison(most=graded[0] in _MOST_WORDS, options=tuple(named), measure=asking)


def constraints(text: str) -> Constraints:
    """The constraints ``text`` names (see ``Constraints``)."""
    first = re.match(r"\W*\w+", text)  # the first word is capitalised whatever it is
    names = (re.sub(r"[’']s$", "", m.group(0).strip()) for m in _NAME.finditer(text, first.end() if first else 0))
    entities = tuple(dict.fromkeys(n for n in names if n[:1].isalpha() and not _QUARTER.match(n)))
    return Constraints(
        years=tuple(sorted(_years(text))),
        quarters=tuple(sorted(_quarters(text))),
        ordinals=tuple(sorted(_ordinals(text))),
        qualifiers=tuple(dict.fromkeys(q.lower().replace("’", "'") for q in _qualifiers(text))),
        entities=entities,
        about=frozenset(t for t in terms(YEAR.sub(" ", text)) if t not in _QUESTION_TERMS),
    )


def _counted(question: str) -> tuple[int, str] | None:
    """How many names of which kind a question asks for by number ("the two Republican SENATORS": 2 persons);
    None when it gives no number, or the noun it counts is no kind of name ("which two words")."""
    m = _COUNTED.search(question)
    if not m:
        return None
    # The noun counted is the first plural: "three Supreme Court JUSTICES", "two Kentucky REPUBLICANS".
    plural = next((w for w in m.group(2).lower().split() if _singular(w) != w), "")
    kind = _name_kind(plural) or ("person" if _WHO.search(question) else None)
    return (_COUNTS[m.group(1).lower()], kind) if kind else None


def _name_kind(noun: str) -> str | None:
    """"person", "organisation" or "place" when ``noun`` (singular or plural) is a word for one."""
    singular = _singular(noun)
    return next((kind for kind, nouns in _NOUNS.items() if singular in nouns), None)


def _singular(noun: str) -> str:
    return (_IRREGULAR.get(noun) or (noun[:-3] + "y" if noun.endswith("ies") else
                                     noun.rstrip("s") if noun.endswith("s") else noun))


def _kind(question: str) -> str:
    if ASKS_WHY.search(question):
        return "reason"
    if _AUXILIARY_START.search(question):
        return "yes/no"
    if _WHEN.search(question):
        return "date"
    if _AMOUNT.search(question):
        return "amount"
    if _NUMBER.search(question):
        return "number"
    if _LIST.search(question):
        return "list"
    if _WHO.search(question):
        return "person"
    if _WHERE.search(question):
        return "place"
    which = _WHICH_WORDS.search(question)
    one_of = bool(which and re.match(r"\w+\s+of\b", which.group(0)))  # "which of the four men": one of them
    for noun in (which.group(1).lower().split() if which else ()):
        kind = _name_kind(noun)
        if kind:
            return "list" if _singular(noun) != noun and noun not in _NOUNS[kind] and not one_of else kind
    if _HOW.search(question):
        return "how"
    return "thing"


def _options(question: str) -> tuple[str, tuple[str, ...]]:
    """The question without any "Options: a; b" list, and the options it offers ("X or Y?")."""
    listed = _OPTIONS_LIST.search(question)
    if listed:
        options = tuple(o.strip(" .") for o in re.split(r"\s*;\s*", listed.group(1)) if o.strip(" ."))
        return question[:listed.start()].strip(), options
    if not _CHOICE_START.search(question):
        return question, ()
    clause = re.split(r"[?]", question)[0]
    parts = _OR.split(clause)
    if len(parts) != 2:
        return question, ()
    before, after = parts
    right_words = []
    for w in re.split(r"[,;:]", after)[0].split():
        if w.lower() in _BREAK_WORDS:
            break  # "rise or fall IN May"
        right_words.append(w)
    right = " ".join(right_words)
    if not right_words or len(right_words) > 5:
        return question, ()
    words = re.split(r"[,;:]", before)[-1].split()
    if right[:1].isupper():
        # "... owned by Time Warner or Universal": the capitalised run before "or" is the other option.
        left_words: list[str] = []
        for w in reversed(words):
            if not w[:1].isupper():
                break
            left_words.insert(0, w)
    else:
        left_words = []
        for w in reversed(words):
            if w.lower() in _BREAK_WORDS or len(left_words) >= len(right_words):
                break
            left_words.insert(0, w)
    left = " ".join(left_words)
    if not left or left.lower() == right.lower():
        return question, ()
    return question, (left, right)


def _agree(asked, named) -> int:
    if not asked or not named:
        return 0
    return 1 if set(asked) & set(named) else -1


def _years(text: str) -> set[int]:
    return {int(y) for y in YEAR.findall(text)}


def _years_beside(text: str, about: frozenset[str]) -> set[int]:
    """The years of ``text`` with a word of ``about`` among the three words either side."""
    words = re.findall(r"[\w'’$.-]+", text)
    found = set()
    for i, w in enumerate(words):
        if YEAR.fullmatch(w.strip(".,")):
            near = " ".join(words[max(0, i - _YEAR_WINDOW):i] + words[i + 1:i + 1 + _YEAR_WINDOW])
            if about & set(terms(near)):
                found.add(int(w.strip(".,")))
    return found


def _quarters(text: str) -> set[int]:
    return {int(m.group(1)) if m.group(1) else _QUARTER_WORDS[m.group(2).lower()] for m in _QUARTER.finditer(text)}


def _ordinals(text: str) -> set[tuple[int, str]]:
    found = set()
    for m in _ORDINAL.finditer(text):
        n = int(m.group(1)) if m.group(1) else _ORDINAL_WORDS[m.group(3).lower()]
        word = (m.group(2) or m.group(4)).lower()
        if word not in ("quarter", "time", "of", "and", "the", "to", "in"):
            found.add((n, word))
    return found


def _qualifiers(text: str) -> list[str]:
    return [q.replace("’", "'") for q in _QUALIFIER.findall(text)]


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
