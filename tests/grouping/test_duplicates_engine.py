"""workshop.grouping.duplicates: clusters of likely duplicates, on a crafted set, on 1,000
real ideas (known duplicate pairs found, pairs known to differ kept apart, few false
pairs), and its properties on any texts."""

from __future__ import annotations

import csv
from itertools import combinations
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workshop.grouping import duplicates
from workshop.grouping.duplicates import Cluster, find_clusters
from workshop.grouping.nearby import SimilarityIndex

PARIS = Path(__file__).parent.parent / "data" / "duplicates" / "paris_bp_1000.csv"


def paris_titles() -> list[str]:
    with PARIS.open(encoding="utf-8", newline="") as file:
        return [row["text"] for row in csv.DictReader(file)]


def groups_of(clusters: list[Cluster], texts: list[str]) -> list[set[str]]:
    return [{texts[m] for m in cluster.members} for cluster in clusters]


CRAFTED = [
    "Un composteur partagé dans le quartier",  # 0
    "Des toilettes publiques au parc",  # 1
    "Un composteur partagé pour le quartier !",  # 2
    "Une piste cyclable rue de la Gare",  # 3
    "Composteur partagé de quartier",  # 4
    "Piste cyclable sur la rue de la Gare",  # 5
    "Une fête des voisins en juin",  # 6
    "",  # 7: nothing to compare
    "le la les des",  # 8: stop words only
    "le la les des",  # 9
]


def test_crafted_set() -> None:
    clusters = find_clusters(CRAFTED, "fr")
    assert [c.members for c in clusters] == [[0, 2, 4], [3, 5]]
    compost, cycle = clusters
    assert compost.central in compost.members
    assert duplicates.MIN_SCORE <= compost.highest <= 1.0
    assert duplicates.LINK_SCORE <= compost.lowest <= compost.highest
    assert cycle.lowest == cycle.highest >= duplicates.MIN_SCORE


def test_pairs_kept_apart_never_share_a_cluster() -> None:
    clusters = find_clusters(CRAFTED, "fr", apart=[(2, 0)])
    members = [c.members for c in clusters]
    assert [3, 5] in members
    assert not any(0 in m and 2 in m for m in members)
    # 4 still goes with one of them: only the dismissed pair is apart.
    assert [0, 4] in members or [2, 4] in members
    assert find_clusters(CRAFTED, "fr", apart=[(3, 5), (0, 2), (0, 4), (2, 4)]) == []


def test_no_chaining_through_a_middle_idea() -> None:
    # A is close to B, B to C, but A and C share little: not one cluster of three.
    texts = [
        "Installer des bancs et des fontaines au square Saint-Pierre",
        "Installer des bancs et des fontaines au square Saint-Pierre et des jeux",
        "Des jeux pour enfants au square Saint-Pierre et des fontaines",
    ]
    index = SimilarityIndex(texts, "fr")
    score = {
        (a, b): next(m.score for m in index.query(texts[a], 3, 0.0) if m.index == b)
        for a, b in combinations(range(3), 2)
    }
    for cluster in find_clusters(texts, "fr"):
        for a, b in combinations(cluster.members, 2):
            assert score[(a, b)] >= duplicates.LINK_SCORE


def test_checks_its_arguments() -> None:
    with pytest.raises(TypeError):
        find_clusters("un texte", "fr")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="language"):
        find_clusters(["a", "b"], "de")
    with pytest.raises(ValueError, match="min_score"):
        find_clusters(["a", "b"], "fr", min_score=0.0)
    assert find_clusters([], "fr") == find_clusters(["seule"], "fr") == []


# Pairs of the Paris file that are one proposal written twice (a later edition, another
# wording): each must be proposed, together.
KNOWN_DUPLICATES = [
    ("Plus d’arbres pour la rue Cler", "Des arbres pour la rue Cler"),
    (
        "Pont Broca street art - Les Contes de la rue Broca",
        "Pont Broca street art – Les Contes de la rue Broca",
    ),
    ("Rénovation de la rue de Belleville", "Rénovation de la rue de Belleville"),
    (
        "Pour une meilleure cohabitation piéton-ne-s - automobilistes",
        "Une meilleure cohabitation piétons / automobilistes",
    ),
    (
        "Réaménagement de la place Cambronne et de ses abords",
        "Aménagement de la place Cambronne et de ses abords",
    ),
    (
        "Poursuivre la coulée verte à Beaugrenelle",
        "Poursuivre la coulée verte dans le quartier Beaugrenelle",
    ),
    (
        "Réaménager les boulevards Garibaldi et Grenelle en promenade plantée",
        "Réaménager les boulevards Garibaldi et Grenelle en promenade",
    ),
    (
        "Poursuite du réaménagement du quartier Bargue/Falguière",
        "Poursuivre le réaménagement du quartier Bargue/Falguière",
    ),
    ("Une place d'Alexandrie plus agréable", "Une place d'Alexandrie plus agréable (phase 2)"),
    (
        "Éclairage multicolore pour le canal de l'Ourcq",
        "Prolongement de l'éclairage multicolore du canal de l'Ourcq",
    ),
    ("Montmartre accessible à tous - Phase 2", "Montmartre accessible à tous - Phase 3"),
    (
        "Aménagement de l’espace cyclable rue Neuve Tolbiac",
        "Aménagement d'espaces cyclables rue de Tolbiac",
    ),
    (
        "Sécuriser 4 passages piétons avenue de Versailles",
        "Sécuriser les piétons avenue de Versailles",
    ),
    (
        "Réfection des trottoirs du 6e arrondissement",
        "Réfection des trottoirs du 6e arrondissement suite",
    ),
    (
        "Modernisation et rénovation de vos Centres Paris Anim'",
        "Modernisation des Centres Paris Anim’ du 19e",
    ),
]

# Pairs that share words and a theme but are different proposals: never together.
KNOWN_DIFFERENT = [
    ("Cultiver en ville", "Cultiver dans les écoles"),
    (
        "+ de végétal dans les quartiers populaires",
        "Du sport pour toutes et tous dans les quartiers populaires",
    ),
    (
        "Améliorer les conditions d’accueil des tout-petits",
        "Améliorer les conditions d'accueil dans les bains-douches",
    ),
    ("Rénover nos écoles", "Rénover les toilettes dans les écoles"),
    ("Embellir les sanitaires dans les écoles", "Embellir les écoles"),
    ("Développer les jardins partagés dans le 14e", "Développer le sport pour tous dans le 20e"),
    (
        "Améliorer la propreté dans le Bois de Boulogne",
        "Améliorer le cadre de vie dans le Bois de Boulogne",
    ),
    (
        "Un vélo producteur d'électricité pour la rue Paradol",
        "Des parcours sportifs producteurs d'électricité",
    ),
]

# Every proposal of the file read by hand: the ideas that are one proposal written again
# (the same project or the same idea for another street or arrondissement). A pair the
# engine proposes that no line here holds counts as a false pair.
SAME_IDEA = [
    *({a, b} for a, b in KNOWN_DUPLICATES),
    {"Montmartre accessible à tous", "Montmartre accessible à tous - Phase 2"},
    {"Montmartre accessible à tous", "Montmartre accessible à tous - Phase 3"},
    {"Un 20eme plus vert", "Vers plus de vert dans le 17ème !"},
    {"Végétaliser les pieds d'arbres du 11e", "Végétaliser les pieds d'arbres"},
    {
        "Pour la rénovation énergétique exemplaire d'une école du 3e",
        "Rénovation énergétique exemplaire d'une école du 4e",
    },
    {
        "Une halle alimentaire solidaire pour le 14e",
        "Une halle alimentaire pour le 15e",
        "Une halle alimentaire pour le 10e",
    },
    {
        "Des cantines agréables",
        "Des cantines plus agréables pour nos enfants dans 11 écoles",
        "Des cantines plus agréables pour nos enfants dans 5 écoles du 13e",
        "Des cantines plus agréables pour nos enfants dans quatre écoles du 13e",
    },
    {
        "Des cours d'école plus ludiques et vertes",
        "Des cours d'écoles plus vertes et plus ludiques pour le 9e",
    },
    {"Traverser en toute sécurité dans le 13e", "Traverser en toute sécurité dans les rues du 11e"},
    {
        "Végétalisation des rues de l'arrondissement",
        "Végétalisation des murs et des rues du 14e arrondissement",
    },
    {"Des fruits et légumes bio « Made in 15e »", "Encore plus de fruits et légumes dans le 15e"},
    {
        "Réaménager le quartier Bargue/Falguière",
        "Poursuite du réaménagement du quartier Bargue/Falguière",
        "Poursuivre le réaménagement du quartier Bargue/Falguière",
    },
    {"+ de végétal dans les quartiers populaires", "Végétaliser nos quartiers populaires"},
    {"L'arbre à livres", "Des arbres aux livres pour tous"},
    {"Une Ressourcerie dans le 12e !", "Ré-ouvrir une Ressourcerie dans le 18e"},
    {"Une nouvelle Maison de santé dans le 15e", "De nouvelles maisons de santé pour le 15ème"},
]


@pytest.fixture(scope="module")
def paris() -> tuple[list[str], list[Cluster]]:
    texts = paris_titles()
    assert len(texts) == 1000
    return texts, find_clusters(texts, "fr")


def test_real_ideas_known_duplicates_are_found(paris: tuple[list[str], list[Cluster]]) -> None:
    texts, clusters = paris
    found = groups_of(clusters, texts)
    missing = [pair for pair in KNOWN_DUPLICATES if not any(set(pair) <= g for g in found)]
    assert not missing


def test_real_ideas_known_different_are_kept_apart(
    paris: tuple[list[str], list[Cluster]],
) -> None:
    texts, clusters = paris
    found = groups_of(clusters, texts)
    together = [pair for pair in KNOWN_DIFFERENT if any(set(pair) <= g for g in found)]
    assert not together


def test_real_ideas_few_false_pairs(paris: tuple[list[str], list[Cluster]]) -> None:
    texts, clusters = paris
    pairs = [
        {texts[a], texts[b]} for cluster in clusters for a, b in combinations(cluster.members, 2)
    ]
    false = [pair for pair in pairs if not any(pair <= same for same in SAME_IDEA)]
    # Precision: at least 90 % of the proposed pairs are one idea written twice.
    assert pairs and len(false) <= 0.1 * len(pairs), false
    # A review a facilitator can get through: a few dozen clusters, not hundreds.
    assert 10 <= len(clusters) <= 60
    assert sum(len(c.members) for c in clusters) <= 150


def test_real_ideas_are_reviewed_in_bounded_work(paris: tuple[list[str], list[Cluster]]) -> None:
    _texts, clusters = paris
    members = [m for c in clusters for m in c.members]
    assert len(members) == len(set(members))  # one cluster per idea at most
    assert all(2 <= len(c.members) <= duplicates.MAX_MEMBERS for c in clusters)
    assert all(c.members == sorted(c.members) and c.central in c.members for c in clusters)


WORDS = st.sampled_from(
    ["composteur", "quartier", "piste", "cyclable", "jardin", "école", "arbres", "rue",
     "partagé", "fête", "le", "la", "des", "Été", "vélo", "12e", "!", "-"]
)  # fmt: skip
TEXTS = st.lists(
    st.one_of(st.lists(WORDS, max_size=8).map(" ".join), st.text(max_size=40)), max_size=25
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=TEXTS, data=st.data())
def test_properties_on_any_texts(texts: list[str], data: st.DataObject) -> None:
    pairs = st.tuples(
        st.integers(0, max(len(texts) - 1, 0)), st.integers(0, max(len(texts) - 1, 0))
    )
    apart = data.draw(st.lists(pairs, max_size=10)) if texts else []
    clusters = find_clusters(texts, "fr", apart=apart)
    members = [m for c in clusters for m in c.members]
    assert len(members) == len(set(members))
    assert all(0 <= m < len(texts) for m in members)
    kept_apart = {(min(a, b), max(a, b)) for a, b in apart}
    for cluster in clusters:
        assert 2 <= len(cluster.members) <= duplicates.MAX_MEMBERS
        assert cluster.members == sorted(cluster.members)
        assert cluster.central in cluster.members
        assert duplicates.LINK_SCORE <= cluster.lowest <= cluster.highest <= 1.0
        assert cluster.highest >= duplicates.MIN_SCORE
        assert not kept_apart & set(combinations(cluster.members, 2))
    # Deterministic, and identical texts (with content words) always end up together
    # unless kept apart or the cluster is full.
    assert find_clusters(texts, "fr", apart=apart) == clusters
