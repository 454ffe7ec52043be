"""A readable title made from a longer text: its first sentence, or its first words.

Two readers need it: importing ideas collected before a session, whose texts are often
paragraphs (a title cannot hold them, the text becomes the idea's description), and the
names of suggested groups (the title of a group's most central idea). Pure standard
library, at the bottom of the layers: the grouping engine runs it in its worker process.
"""

from __future__ import annotations

import re

ELLIPSIS = "…"
# A sentence ends at . ! ? or … followed by a space (not inside "3.5" or "www.x.fr").
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
# A first sentence shorter than this is no title (« Non. », « J.H.S. 157 »): read on.
MIN_SENTENCE = 12
# What a title does not end with once cut: separators that announce more words.
_TRAILING = " \t,;:-–—/(«\"'"


def _collapse(text: str) -> str:
    return " ".join(text.split())


def first_words(text: str, limit: int) -> str:
    """``text`` on one line if it fits in ``limit`` characters, else cut on the last word
    boundary that leaves room for « … » (mid-word only when one word is longer than
    half the limit)."""
    if limit < 2:
        raise ValueError("limit must be at least 2")
    flat = _collapse(text)
    if len(flat) <= limit:
        return flat
    room = flat[: limit - len(ELLIPSIS) + 1]  # one more: a space there is a clean cut
    cut = room.rfind(" ")
    head = room[:cut] if cut >= (limit - 1) // 2 else room[: limit - len(ELLIPSIS)]
    head = head.rstrip(_TRAILING) or head[: limit - len(ELLIPSIS)]
    return head[: limit - len(ELLIPSIS)] + ELLIPSIS


def _abbreviation(head: str) -> bool:
    """Whether the word ending ``head`` with a full stop is an abbreviation: dotted
    (« J.H.S. », « P.S.77. » is not: it ends a number), or a word of two letters, or
    three with a capital (« av. », « Mr. », « Ave. »)."""
    stem = head.rsplit(" ", 1)[-1][:-1].rsplit("/", 1)[-1]
    if "." in stem:
        return not stem.rsplit(".", 1)[-1].isdigit()
    if not stem.isalpha():
        return False
    return len(stem) <= 2 or (len(stem) == 3 and stem[0].isupper() and stem[1:].islower())


def _split(flat: str) -> str:
    """The first sentence of one line: up to the first end of sentence that leaves at
    least :data:`MIN_SENTENCE` characters and does not end an abbreviation (« J.H.S. »,
    « M. », « av. »)."""
    for end in _SENTENCE_END.finditer(flat):
        head = flat[: end.start()]
        if len(head) < MIN_SENTENCE or (head.endswith(".") and _abbreviation(head)):
            continue
        return head
    return flat


def first_sentence(text: str, limit: int | None = None) -> str:
    """The first sentence of ``text``, on one line (the whole text when it has none).

    A line break counts as the end of a sentence only when that sentence would be
    longer than ``limit``: « Titre⏎Un texte… » is often how a title was written above
    its text, but « Sur deux⏎lignes » that fits is one title.
    """
    sentence = _split(_collapse(text))
    if limit is not None and len(sentence) > limit:
        line = next((line for line in text.splitlines() if line.strip()), "")
        sentence = _split(_collapse(line)) or sentence
    return sentence


def headline(text: str, limit: int) -> str:
    """A title for ``text`` of at most ``limit`` characters: its first sentence (without
    a closing full stop), cut on a word boundary with « … » when longer. Empty only when
    ``text`` holds nothing but spaces."""
    sentence = first_sentence(text, limit)
    if sentence.endswith(".") and not sentence.endswith(".."):
        sentence = sentence[:-1].rstrip() or sentence
    return first_words(sentence, limit)


def is_whole(text: str, limit: int) -> bool:
    """Whether ``text`` is its own headline: one sentence that fits in ``limit``."""
    flat = _collapse(text)
    return headline(text, limit) in (flat, flat.removesuffix(".").rstrip())
