"""Normalisation, language, tokens, stemming and boilerplate, in German and English."""

import math

import pytest

from app.clustering.config import ClusteringConfig
from app.text.boilerplate import boilerplate_lines, line_fingerprint
from app.text.features import story_terms
from app.text.language import detect_language, normalise_lang
from app.text.normalise import normalise_text
from app.text.shingles import word_shingles
from app.text.tokens import stem_words, stopwords, tokenize
from tests.texts import ENGLISH_ELECTION, GERMAN_FLOOD

SHIPPED = ClusteringConfig().story_weights()


def test_normalise_folds_unicode_and_whitespace():
    assert normalise_text("ﬁnal\u00a0 cut\r\n\r\n\x00next ") == "final cut\nnext"


def test_language_detection_and_codes():
    assert detect_language(GERMAN_FLOOD) == "de"
    assert detect_language(ENGLISH_ELECTION) == "en"
    assert detect_language("42 17") == "und"
    assert normalise_lang("de-AT") == "de" and normalise_lang("EN_gb") == "en"
    assert normalise_lang("??") is None


def test_stopwords_and_stemming_per_language():
    assert {"und", "der"} <= stopwords("de") and {"the", "and"} <= stopwords("en")
    assert stem_words("en", ["running", "runs"]) == ["run", "run"]
    assert (
        stem_words("de", ["gipfeltreffen", "gipfeltreffens"])[0]
        == stem_words("de", ["gipfeltreffens"])[0]
    )
    assert stem_words("xx", ["unchanged"]) == ["unchanged"]


def test_story_terms_drop_stopwords_and_weigh_names_and_numbers():
    terms = story_terms(
        None, "Der Pegel stieg auf 9,80 Meter in Passau. Der Pegel fiel.", "de", SHIPPED
    )
    assert "der" not in terms and not any(t[0].isdigit() for t in terms)
    once_in_lead = 1 + math.log(SHIPPED.lead_weight)  # sublinear tf of one lead occurrence
    assert terms["passau"] == pytest.approx(once_in_lead * SHIPPED.capital_weight)  # a name
    assert terms["#980"] == pytest.approx(once_in_lead * SHIPPED.number_weight)  # a number
    english = story_terms("Recount", "The recount in Seaview confirmed the recount.", "en", SHIPPED)
    assert english["seaview"] == pytest.approx(once_in_lead * SHIPPED.capital_weight)
    assert english["recount"] > once_in_lead  # in the title too


def test_sentence_start_does_not_make_a_name():
    tokens = tokenize("Flooding hit the town. Flooding closed roads.")
    assert [t.sentence_start for t in tokens if t.surface == "Flooding"] == [True, True]


def test_shingles():
    assert word_shingles(["a", "b", "c", "d"], 3) == {b"a b c", b"b c d"}
    assert word_shingles(["a"], 3) == {b"a"}
    assert word_shingles([], 3) == set()


def test_boilerplate_lines_need_repeats_and_never_take_every_line():
    lines = ["Real news line one about the flood.", "Jetzt unterstützen! 5 Euro im Monat"]
    hashes = [line_fingerprint(line) for line in lines]
    seen = {hashes[1]: 3}
    assert boilerplate_lines(hashes, seen, min_repeats=2) == {1}
    assert boilerplate_lines(hashes, seen, min_repeats=4) == set()
    everything = {h: 5 for h in hashes}
    assert boilerplate_lines(hashes, everything, min_repeats=2) == set()
    assert line_fingerprint("Jetzt  Unterstützen!") == line_fingerprint("jetzt unterstützen!")


def test_story_terms_keep_the_strongest_when_capped():
    from app.text.features import MAX_STORY_TERMS
    from app.text.tokens import stem_words

    letters = "abcdefghijklmnopqrstuvwxyz"
    # words Snowball leaves as they are: each is one term of weight 1
    words = [f"q{letters[i // 676]}{letters[i // 26 % 26]}{letters[i % 26]}x" for i in range(2300)]
    terms = story_terms(None, " ".join(words) + " zebra zebra zebra", "en", SHIPPED)
    assert len(terms) == MAX_STORY_TERMS
    # the repeated term outweighs the rest; among equals the earlier are kept, in order
    assert list(terms)[-1] == "zebra"
    assert stem_words("en", words) == words
    assert list(terms)[: MAX_STORY_TERMS - 1] == words[: MAX_STORY_TERMS - 1]


def test_scan_marks_sentence_starts_by_what_precedes_each_token():
    from app.text.tokens import scan

    text = 'Kim met Trump.  "Talks" (in Seoul) went on; 3,5 hours_later!\nNew line: Moon'
    assert scan(text) == [
        ("Kim", True),  # first of the text
        ("met", False),
        ("Trump", False),
        ("Talks", True),  # after '.  "'
        ("in", False),  # after '" ('
        ("Seoul", False),
        ("went", False),  # after ') '
        ("on", False),
        ("3,5", True),  # after '; '
        ("hours", False),
        ("later", False),  # '_' is not part of a word, nor a sentence end
        ("New", True),  # first of its line
        ("line", False),
        ("Moon", True),  # after ': '
    ]
