"""The grouping engine's contract: every idea once, k respected, deterministic, balanced."""

from __future__ import annotations

import pytest

from workshop.grouping import Group, suggest_groups

# Four clear themes, French, with accents, plurals and elisions to be matched.
IDEAS_FR = [
    "Plus de pistes cyclables dans le centre",
    "Des vélos en libre-service près de la gare",
    "Un atelier de réparation de vélos",
    "Sécuriser la piste cyclable de l'avenue",
    "Un jardin partagé dans le quartier",
    "Planter des arbres dans les rues",
    "Végétaliser la cour de l'école",
    "Des jardins potagers sur les toits",
    "Une épicerie solidaire pour les étudiants",
    "Un repas partagé pour les personnes isolées",
    "Une aide aux devoirs pour les collégiens",
    "Une ressourcerie pour donner une seconde vie aux objets",
    "Un composteur collectif par immeuble",
    "Réduire les déchets au marché",
    "Un café associatif pour les jeunes",
    "Des concerts gratuits l'été dans le parc",
]
IDEAS_EN = [
    "More bike lanes downtown",
    "Bike sharing near the station",
    "A community garden in the park",
    "Plant trees along the streets",
    "A food bank for students",
    "Free meals for isolated seniors",
    "New computers for the public library",
    "Repair the school playground",
]


def assert_partition(groups: list[Group], n: int) -> None:
    members = sorted(i for group in groups for i in group.members)
    assert members == list(range(n))
    for group in groups:
        assert group.members == sorted(group.members)
        assert group.members


@pytest.fixture(scope="module")
def four_groups() -> list[Group]:
    return suggest_groups(IDEAS_FR, 4, "fr")


def test_every_idea_once_and_k_respected(four_groups: list[Group]) -> None:
    assert len(four_groups) == 4
    assert_partition(four_groups, len(IDEAS_FR))


def test_no_group_holds_more_than_half(four_groups: list[Group]) -> None:
    assert max(len(group.members) for group in four_groups) <= len(IDEAS_FR) // 2


def test_a_dominant_theme_is_split_to_keep_half_at_most() -> None:
    bikes = [f"Des pistes cyclables et des vélos, rue {name}" for name in "ABCDEFGHIJKL"]
    ideas = [*bikes, "Un jardin partagé", "Des jardins potagers", "Une épicerie", "Un repas"]
    groups = suggest_groups(ideas, 3, "fr")
    assert len(groups) == 3
    assert_partition(groups, len(ideas))
    assert max(len(group.members) for group in groups) <= len(ideas) // 2


def test_largest_group_first(four_groups: list[Group]) -> None:
    sizes = [len(group.members) for group in four_groups]
    assert sizes == sorted(sizes, reverse=True)


def test_deterministic(four_groups: list[Group]) -> None:
    assert suggest_groups(IDEAS_FR, 4, "fr") == four_groups


def test_names_are_titles_of_central_ideas(four_groups: list[Group]) -> None:
    """A name a facilitator can keep: one of the group's own ideas, written as the
    participants wrote it (accents, capitals), not a list of keywords."""
    labels = [group.label for group in four_groups]
    assert len(set(labels)) == len(labels)
    for group in four_groups:
        assert group.label in [IDEAS_FR[i] for i in group.members]


def test_the_name_is_the_idea_closest_to_the_others() -> None:
    """Of « vélos » ideas, the name is a bicycle idea that says what the group shares,
    not the odd one (the lone repair shop) nor the first posted."""
    ideas = [
        "Un atelier de réparation",
        "Des vélos en libre-service",
        "Des vélos en libre-service près de la gare",
        "Des vélos en libre-service dans chaque quartier",
        "Planter des arbres",
        "Planter des arbres dans les rues",
        "Planter des arbres dans les cours d'école",
    ]
    groups = suggest_groups(ideas, 2, "fr")
    names = {group.label: set(group.members) for group in groups}
    bikes = next(name for name, members in names.items() if 2 in members)
    trees = next(name for name, members in names.items() if 5 in members)
    assert bikes.startswith("Des vélos en libre-service") and trees.startswith("Planter des arbres")


def test_a_long_idea_is_named_by_its_first_sentence() -> None:
    ideas = [
        "Des bancs au square. Les personnes âgées n'ont nulle part où s'asseoir l'après-midi.",
        "Des bancs au square. Il faudrait aussi de l'ombre l'été, des arbres ou une toile.",
        "Des bancs au square. Et une fontaine à eau potable pour les enfants qui jouent.",
    ]
    [group] = suggest_groups(ideas, 1, "fr")
    assert group.label == "Des bancs au square"


def test_same_theme_ends_together() -> None:
    ideas = ["vélo", "vélos", "piste cyclable", "pistes cyclables", "jardin", "jardins"]
    groups = suggest_groups(ideas * 2, 3, "fr")
    where = {i: g for g, group in enumerate(groups) for i in group.members}
    assert where[0] == where[1] == where[6] == where[7]  # accents, plurals and copies


def test_english(four_groups: list[Group]) -> None:
    groups = suggest_groups(IDEAS_EN, 3, "en")
    assert len(groups) == 3
    assert_partition(groups, len(IDEAS_EN))
    assert all(g.label in [IDEAS_EN[i] for i in g.members] for g in groups)


@pytest.mark.parametrize(
    ("ideas", "k", "count"),
    [
        ([], None, 0),
        ([], 3, 0),
        (["Un seul"], None, 1),
        (["Un seul"], 5, 1),
        (["Un", "Deux arbres"], 10, 2),  # k larger than the ideas: clamped
        (IDEAS_FR[:5], 1, 1),
        (["Même idée", "même idée", "MÊME IDÉE "], 3, 1),  # one distinct idea
    ],
)
def test_small_inputs_and_clamping(ideas: list[str], k: int | None, count: int) -> None:
    groups = suggest_groups(ideas, k, "fr")
    assert len(groups) == count
    assert_partition(groups, len(ideas))
    assert all(group.label for group in groups)


def test_k_chosen_automatically_in_range() -> None:
    groups = suggest_groups(IDEAS_FR, None, "fr")
    assert 2 <= len(groups) <= 4  # 2 to √16
    assert_partition(groups, len(IDEAS_FR))


@pytest.mark.parametrize(
    "ideas",
    [
        ["", "", "   ", "!!!", "123", "🌱"],
        ["le la les", "de du des", "et ou", "vélo"],
        ["x" * 5000, "y", "x" * 5000 + " fin"],
    ],
)
def test_degenerate_texts(ideas: list[str]) -> None:
    groups = suggest_groups(ideas, 2, "fr")
    assert_partition(groups, len(ideas))
    assert all(group.label.strip() for group in groups)


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="language"):
        suggest_groups(["a"], None, "de")
    with pytest.raises(ValueError, match="positive"):
        suggest_groups(["a"], 0)
    with pytest.raises(TypeError):
        suggest_groups("not a list")  # type: ignore[arg-type]
