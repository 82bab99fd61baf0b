"""The focus of a question: the word that says what is asked about.

"How DEEP is the Godstone sinkhole?", "How much COMPENSATION did Tesco pay?", "In which COURT did Musk
file ...?". An article that covers a question's topic but never names its focus does not answer it,
however close it is: the commonest way a question about a story in the index is still unanswerable.
Nouns that only name the kind of answer ("which city", "what year", "which company") are no focus:
the answer names a city without saying "city". Rules over the question's words, no parser model.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

_AUXILIARIES = frozenset(
    "is are was were be been being am do does did has have had will would can could should shall may might must "
    "'s 're 've 'd".split())
_COPULAS = frozenset("is are was were 's 're".split())
_DETERMINERS = frozenset("the a an its their his her our your my this that these those".split())
_NOUN_PHRASE_ENDS = frozenset(
    "of in on at for from to by with about under over after before between during since into than as per that "
    "who whom whose which when where why how and or but if while a an the it he she they we you i this there "
    "more less most least first last earlier later".split())
# Common irregular verb forms: "Which bank LED ...", "Which DREW bigger interest ..." (regular ones end in -ed).
_VERBS = frozenset(
    "said says led leads won wins drew came comes went goes made makes gave gives took takes got gets ran runs put "
    "puts paid pays told tells became becomes left leaves saw sees sold sells bought buys brought brings held holds "
    "kept keeps found finds lost loses began begins broke breaks spent spends costs cost involves happens wrote "
    "writes met meets chose chooses sent sends built builds struck strikes won't knew knows thought thinks heard hears "
    "rose grew grows fell sought seeks fought caught taught spoke speaks swore".split())
# Nouns that name the kind of answer rather than something the article must say.
_ANSWER_TYPE_NOUNS = frozenset(
    "name names city cities town towns country countries place places state states region county area "
    "year years date dates day days month months week weeks time times hour hours age "
    "company companies firm firms business businesses brand brands organisation organisations organization "
    "organizations group groups body bodies agency agencies unit units department departments team teams party "
    "parties person people persons man men woman women individual individuals "
    "outlet outlets publication publications newspaper newspapers paper papers site sites website websites "
    "source sources broadcaster broadcasters channel channels "
    "number numbers amount amounts figure figures total totals percentage percentages percent share shares "
    "proportion proportions rate rates sum sums money price prices cost costs value values "
    "member members one ones kind kinds type types sort sorts part parts thing things way ways "
    "reason reasons cause causes result results effect effects impact latest news update updates status "
    "role roles job jobs title titles position positions word words phrase phrases term terms message messages "
    "quote quotes".split())
# "Which CONDIMENT ...", "which SUPERMARKET ...": the answer is one of a category, and an article names the
# instance ("mustard", "Tesco") far more often than the category. Unlike "which COURT" or "which SCHOOL",
# whose instances carry the word in their names ("Castlebar Circuit Court"), these are no focus after
# which/what. (After "how many" they stay one: "how many ANIMALS" must be counted in a sentence naming them.)
_CATEGORY_NOUNS = frozenset(
    "animal animals creature creatures species breed plant plants product products item items food foods "
    "drink drinks beverage beverages condiment condiments dish dishes snack snacks ingredient ingredients "
    "show shows series film films movie movies book books novel novels text texts song songs album albums "
    "game games sport sports skill skills condition conditions disease diseases illness illnesses virus "
    "viruses variant variants drug drugs vaccine vaccines app apps platform platforms service services "
    "device devices vehicle vehicles star stars celebrity celebrities musician musicians singer singers "
    "actor actors actress athlete athletes player players protagonist character characters landmark landmarks "
    "retailer retailers supermarket supermarkets chain chains airline airlines automaker automakers carmaker "
    "carmakers manufacturer manufacturers network networks".split())
# "How deep ...": the dimension asked for, and the other words an article would use for it.
_DIMENSIONS = {
    "deep": ("depth", "deeper", "deepest"),
    "tall": ("height", "taller", "tallest"),
    "wide": ("width", "wider", "widest", "across", "diameter"),
    "old": ("age", "aged"),
    "heavy": ("weight", "weigh", "weighs", "weighed", "heavier", "heaviest"),
    "thick": ("thickness",),
    "fast": ("speed", "mph", "faster", "fastest"),
}
# "How much did the flight COST?", "How much is the hoard WORTH?": what a sum of money was for. ("pay",
# "spend" are left out: "How much did X pay for Y?" is answered by "X bought Y for $5bn".)
_MONEY_VERBS = frozenset("cost costs worth".split())
# "How long IS the pool?" asks a length, "How long did it take?" a duration: only the first has a focus.
_LENGTHS = {"long": ("length", "longer", "longest"),
            "far": ("distance", "away", "miles", "mile", "kilometres", "kilometers", "km")}
_FILLERS = frozenset("so and but roughly approximately about exactly just please".split())


@dataclass(frozen=True)
class Focus:
    """What a question asks about: the word as written, and other words an article might use for it.

    ``with_figure``: the question asks for a figure of it ("How MANY pups ...", "How DEEP ..."), so the
    answer is a sentence that names the focus and gives a figure.
    """

    word: str
    alternatives: tuple[str, ...] = ()
    with_figure: bool = False

    @property
    def words(self) -> tuple[str, ...]:
        return (self.word, *self.alternatives)


_QUESTION_WORD = re.compile(r"[\w'’$£€.-]*\w|[^\w\s]")


def asked_focus(question: str) -> Focus | None:
    """The focus of ``question`` (see above), or None when it asks no more than its kind of answer."""
    written = _split_contractions([w.replace("’", "'") for w in _QUESTION_WORD.findall(question)])
    words = [w.lower() for w in written]
    for i, word in enumerate(words):
        if word == "how" and i + 1 < len(words):
            return _how_focus(words, written, i + 1)
        if word in ("what", "which"):
            return _what_focus(words, written, i + 1)
        if word == "name" and i == _first_content(words):
            return _noun_phrase_focus(words, written, i + 1)  # "Name the judge who ..."
        if word in ("who", "whom", "whose", "where", "when", "why"):
            return None
    return None


def _split_contractions(words: list[str]) -> list[str]:
    out = []
    for w in words:
        if w.lower().endswith("'s") and w[:-2].lower() in ("what", "who", "where", "when", "how", "it", "that", "there"):
            out += [w[:-2], "is"]
        else:
            out.append(w)
    return out


def _first_content(words: list[str]) -> int:
    return next((i for i, w in enumerate(words) if w not in _FILLERS and w.isalpha()), 0)


def _how_focus(words: list[str], written: list[str], i: int) -> Focus | None:
    word = words[i]
    if word in ("much", "many"):
        focus = _noun_phrase_focus(words, written, i + 1)
        if focus is None and word == "much":
            money = next((w for w in words[i + 1:] if w in _MONEY_VERBS), None)
            return Focus(money) if money else None  # "the $44bn takeover": the figure may not say "cost"
        return replace(focus, with_figure=True) if focus else None
    if word in _DIMENSIONS:
        return Focus(word, _DIMENSIONS[word], with_figure=True)
    if word in _LENGTHS and i + 1 < len(words) and words[i + 1] in _COPULAS:
        return Focus(word, _LENGTHS[word], with_figure=True)
    if i + 1 < len(words) and words[i + 1] in ("a", "an"):
        return _noun_phrase_focus(words, written, i + 2)  # "How large a fine ..."
    return None


def _what_focus(words: list[str], written: list[str], i: int) -> Focus | None:
    if i >= len(words):
        return None
    if words[i] in _COPULAS:  # "What is the name of X's mother?", "What was the fine?"
        return _noun_phrase_focus(words, written, i + 1)
    if words[i] in _AUXILIARIES:  # "What does Twitter charge ...": the object is the answer
        return None
    focus = _noun_phrase_focus(words, written, i)
    return None if focus is not None and focus.word in _CATEGORY_NOUNS else focus


def _noun_phrase_focus(words: list[str], written: list[str], i: int) -> Focus | None:
    """The head noun of the noun phrase starting at ``i``; through "name of ..." to what is named."""
    while i < len(words) and (words[i] in _DETERMINERS or words[i] == "of"):
        i += 1  # "how many of the ornaments"
    phrase: list[str] = []
    while i < len(words):
        w = words[i]
        if (not re.match(r"[\w$£€]", w) or w in _AUXILIARIES or w in _NOUN_PHRASE_ENDS or w in _VERBS
                or (phrase and w.endswith("ed") and len(w) > 4)):
            break
        i += 1
        if w.endswith("'s") or w.endswith("s'"):
            # "Which charity's dogs ...": the owner is what is asked about; but when a name owns it
            # ("Charlotte Peet's mother", "Twitter's API") the thing owned is.
            if written[i - 1][:1].isupper():
                phrase = []
                continue
            phrase.append(w.removesuffix("'s").rstrip("'"))
            break
        phrase.append(w)
        if w in _ANSWER_TYPE_NOUNS and not written[i - 1][:1].isupper():
            break  # "Which tech company declares ...": the head, whatever follows ("Sky News" is a name)
    if not phrase or phrase[0] in _VERBS or (phrase[0].endswith("ed") and len(phrase[0]) > 4):
        return None  # "Which happened first", "What caused ..."
    head = phrase[-1]
    if head in ("name", "names") and i < len(words) and words[i] == "of":
        return _noun_phrase_focus(words, written, i + 1)
    if head in _ANSWER_TYPE_NOUNS or not head.isalpha():
        return None
    return Focus(head)
