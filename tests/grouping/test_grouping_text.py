"""French-aware text processing: accents, elisions, stop words, stems."""

from __future__ import annotations

from workshop.grouping import text


def test_fold_removes_accents_and_case() -> None:
    assert text.fold("Élève À l’ÉCOLE") == "eleve a l'ecole"


def test_words_split_elisions_and_drop_stop_words() -> None:
    assert text.words("L'école et les jardins d’Éole", "fr") == ["école", "jardins", "éole"]
    assert text.words("The garden and the park", "en") == ["garden", "park"]


def test_stems_match_across_accents_and_plurals() -> None:
    assert text.stems("écoles", "fr") == text.stems("Ecole", "fr")
    assert text.stems("jardins partagés", "fr") == text.stems("jardin partagé", "fr")


def test_stop_words_are_general_lists() -> None:
    assert {"le", "la", "et", "etaient"} <= text.stop_words("fr")
    assert {"the", "and"} <= text.stop_words("fr")  # English words mixed into French
    assert "bus" not in text.stop_words("fr")


def test_stem_map_gives_the_most_frequent_surface_form() -> None:
    found = [text.words(t, "fr") for t in ["Les écoles", "Des écoles", "Une école"]]
    assert text.stem_map(found, "fr")[text.stem("école", "fr")] == "écoles"


def test_the_copied_english_stop_words_are_scikit_learns() -> None:
    """text.py carries scikit-learn's list so that the server needs no scikit-learn."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    from workshop.grouping.text import _ENGLISH_STOP_WORDS

    assert set(_ENGLISH_STOP_WORDS.split()) == set(ENGLISH_STOP_WORDS)
