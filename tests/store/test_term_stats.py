"""Document frequencies: counted per language, read back exactly in one statement."""

from app.store import repo


def test_document_frequencies_are_exact_per_language(sessions):
    many = [f"term{i}" for i in range(3000)]  # more than any IN-list chunk
    with sessions() as session, session.begin():
        repo.add_term_counts(session, "en", dict.fromkeys(many, 1), 1)
        repo.add_term_counts(session, "en", dict.fromkeys([*many[:10], "o'brien", "#2018"], 1), 1)
        repo.add_term_counts(session, "de", {"term1": 1}, 1)
        repo.add_term_counts(session, "en", {"term2": -1}, -1)
    with sessions() as session:
        asked = [*many, "o'brien", "#2018", "absent", "term1"]  # duplicates are fine
        found = repo.document_frequencies(session, "en", asked)
        assert len(found) == 3002
        assert found["term0"] == 2 and found["term2"] == 1 and found["term2999"] == 1
        assert found["o'brien"] == 1 and found["#2018"] == 1
        assert "absent" not in found
        assert repo.document_frequencies(session, "de", ["term1", "term0"]) == {"term1": 1}
        assert repo.document_frequencies(session, "fr", many) == {}
        assert repo.document_frequencies(session, "en", []) == {}


def test_a_languages_whole_vocabulary_is_read_with_its_frequencies(sessions):
    with sessions() as session, session.begin():
        repo.add_term_counts(session, "en", {"summit": 1, "kim": 1}, 1)
        repo.add_term_counts(session, "en", {"summit": 1}, 1)
        repo.add_term_counts(session, "de", {"gipfel": 1}, 1)
    with sessions() as session:
        assert repo.vocabulary_size(session, "en") == 2
        assert repo.document_frequencies_of_language(session, "en") == {"summit": 2, "kim": 1}
        assert repo.vocabulary_size(session, "fr") == 0
        assert repo.document_frequencies_of_language(session, "fr") == {}
