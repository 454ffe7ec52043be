"""French-aware (and English) text processing for grouping and similarity.

Everything here is general-purpose: accent folding for matching, the usual stop words of each
language (Snowball's French list, scikit-learn's English list, copied, plus the elided forms
French writes with an apostrophe), Snowball stemming, and character n-grams over the folded text.
Nothing is tuned to any data set.  Importing this module is light (the stemmer loads on
first use; no numpy, no scikit-learn): the worker's argument checks use it in the server.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

LANGS = ("fr", "en")

# Snowball's French stop-word list (snowballstem.org/algorithms/french/stop.txt), with the
# conjugated forms of être and avoir it carries, plus a few determiners and adverbs any French
# text uses (tout, très, plus…).  Written with accents; matching is done on folded forms.
_FRENCH_STOP_WORDS = """
au aux avec ce ces dans de des du elle en et eux il ils je la le les leur leurs lui ma mais me
même mes moi mon ne nos notre nous on ou où par pas pour qu que qui sa se ses son sur ta te tes
toi ton tu un une vos votre vous c d j l à m n s t y été étée étées étés étant étante étants
étantes suis es est sommes êtes sont serai seras sera serons serez seront serais serait
serions seriez seraient étais était étions étiez étaient fus fut fûmes fûtes furent sois soit
soyons soyez soient fusse fusses fût fussions fussiez fussent ayant ayante ayantes ayants eu
eue eues eus ai as avons avez ont aurai auras aura aurons aurez auront aurais aurait aurions
auriez auraient avais avait avions aviez avaient eut eûmes eûtes eurent aie aies ait ayons
ayez aient eusse eusses eût eussions eussiez eussent ceci cela celà cet cette ici ils les
leurs quel quels quelle quelles sans soi
tout tous toute toutes très plus moins aussi bien encore comme dont donc ainsi alors car
chaque entre vers chez sous après avant depuis pendant lors afin cela ça celui celle ceux
celles autre autres même mêmes tel telle tels telles si non oui peu beaucoup
faire fait faits faite faites
"""

# scikit-learn's English stop-word list (``ENGLISH_STOP_WORDS``, from the Glasgow
# Information Retrieval Group), copied so that the close-idea hints and the duplicate
# review need no scikit-learn in the server process (tests/grouping checks it is the same).
_ENGLISH_STOP_WORDS = """
a about above across after afterwards again against all almost alone along already also
although always am among amongst amoungst amount an and another any anyhow anyone anything
anyway anywhere are around as at back be became because become becomes becoming been before
beforehand behind being below beside besides between beyond bill both bottom but by call can
cannot cant co con could couldnt cry de describe detail do done down due during each eg
eight either eleven else elsewhere empty enough etc even ever every everyone everything
everywhere except few fifteen fifty fill find fire first five for former formerly forty
found four from front full further get give go had has hasnt have he hence her here
hereafter hereby herein hereupon hers herself him himself his how however hundred i ie if in
inc indeed interest into is it its itself keep last latter latterly least less ltd made many
may me meanwhile might mill mine more moreover most mostly move much must my myself name
namely neither never nevertheless next nine no nobody none noone nor not nothing now nowhere
of off often on once one only onto or other others otherwise our ours ourselves out over own
part per perhaps please put rather re same see seem seemed seeming seems serious several she
should show side since sincere six sixty so some somehow someone something sometime
sometimes somewhere still such system take ten than that the their them themselves then
thence there thereafter thereby therefore therein thereupon these they thick thin third this
those though three through throughout thru thus to together too top toward towards twelve
twenty two un under until up upon us very via was we well were what whatever when whence
whenever where whereafter whereas whereby wherein whereupon wherever whether which while
whither who whoever whole whom whose why will with within without would yet you your yours
yourself yourselves
"""

# English words scikit-learn leaves out of its list that short texts still carry.
_ENGLISH_EXTRA = "also etc via per new use using used will would could should can may might"

_COMBINING = re.compile(r"[\u0300-\u036f]")
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
# A word: letters only (digits and punctuation separate words); apostrophes split elisions.
_WORD = re.compile(r"[^\W\d_]+")


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is supported, else raise ValueError."""
    if lang not in LANGS:
        raise ValueError(f"unsupported language {lang!r}; expected one of {', '.join(LANGS)}")
    return lang


def fold(text: str) -> str:
    """Lower-case, NFKC-normalised text with accents removed (``"Été"`` → ``"ete"``)."""
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).casefold()
    return _COMBINING.sub("", unicodedata.normalize("NFD", text))


def lower(text: str) -> str:
    """Lower-case, NFKC-normalised text, accents kept (what the stemmer and labels see)."""
    return unicodedata.normalize("NFKC", text).translate(_APOSTROPHES).casefold()


@lru_cache(maxsize=len(LANGS))
def stop_words(lang: str) -> frozenset[str]:
    """The folded stop words of ``lang`` (both languages' lists: workshops mix them)."""
    check_lang(lang)
    french = {fold(word) for word in _FRENCH_STOP_WORDS.split()}
    english = set(_ENGLISH_STOP_WORDS.split()) | set(_ENGLISH_EXTRA.split())
    # The other language's list is added too: an English word in a French workshop ("the",
    # "and") is as empty there.  Words that carry meaning in one language but are function
    # words in the other are left to the language asked for.
    if lang == "fr":
        return frozenset(french | (english - _CONTENT_IN_FRENCH))
    return frozenset(english | (french - _CONTENT_IN_ENGLISH))


# Function words of one language that are content words of the other.
_CONTENT_IN_FRENCH = frozenset({"art", "son", "pour", "tout", "plus", "sur", "fin", "bus"})
_CONTENT_IN_ENGLISH = frozenset({"son", "ma", "me", "on", "ou", "as", "ai", "sans", "bus"})


@lru_cache(maxsize=len(LANGS))
def _stemmer(lang: str) -> Any:
    import Stemmer  # PyStemmer: the Snowball algorithms, compiled.

    return Stemmer.Stemmer("french" if check_lang(lang) == "fr" else "english")


@lru_cache(maxsize=65_536)
def fold_word(word: str) -> str:
    """:func:`fold` of one word, memoised (a workshop's vocabulary comes back again and again)."""
    return fold(word)


def words(text: str, lang: str) -> list[str]:
    """The content words of ``text``: lower-case, accents kept, no stop words, ≥ 2 letters."""
    stops = stop_words(lang)
    return [
        word
        for word in _WORD.findall(lower(text))
        if len(word) > 1 and fold_word(word) not in stops
    ]


@lru_cache(maxsize=65_536)
def stem(word: str, lang: str) -> str:
    """The folded Snowball stem of one lower-case word (``"écoles"`` → ``"ecol"``).

    Memoised: a workshop's vocabulary is small and comes back on every grouping.
    """
    return fold(_stemmer(lang).stemWord(word))


def stems(text: str, lang: str) -> list[str]:
    """Folded Snowball stems of the content words of ``text``."""
    return [stem(word, lang) for word in words(text, lang)]


def stem_map(texts: Iterable[list[str]], lang: str) -> dict[str, str]:
    """Map each stem to the surface word it most often comes from, given each text's words."""
    counts: dict[str, dict[str, int]] = {}
    for found in texts:
        for word in found:
            forms = counts.setdefault(stem(word, lang), {})
            forms[word] = forms.get(word, 0) + 1
    # Most frequent form; ties go to the shortest, then alphabetical (deterministic).
    return {
        stem: min(forms, key=lambda form: (-forms[form], len(form), form))
        for stem, forms in counts.items()
    }


def char_text(text: str, lang: str) -> str:
    """Folded content words joined by spaces: the input of the character n-gram analyser."""
    return join_folded(words(text, lang))


def join_folded(found: list[str]) -> str:
    """``found`` words folded and joined by spaces (see :func:`char_text`)."""
    return " ".join(map(fold_word, found))
