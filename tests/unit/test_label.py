"""Labels from hand-made members: central headline, lead sentence, surface forms."""

from app.clustering.label import LabelMember, headline, make_label, most_central
from app.text.tokens import stem_words

LONG = "A first sentence that says what happened. A second one with more detail."


def member(key, terms, title=None):
    return LabelMember(key, f"a{key}", title, "en", terms)


def same_weight(term: str) -> float:
    return 1.0


def test_the_most_central_member_gives_the_headline():
    centroid = {"bridg": 2.0, "collaps": 2.0, "river": 1.0}
    far, near = member(1, {"rain": 1.0, "sunday": 1.0}), member(2, dict(centroid))
    assert most_central([far, near], centroid, same_weight) is near
    text = "The bridge collapse closed the river crossing. Divers came later."
    label = make_label(centroid, near, text, [far, near], {"en": 2}, 1)
    assert label.headline_article == "a2"
    assert label.headline == "The bridge collapse closed the river crossing."
    assert label.terms == ["bridge", "collapse", "river"]  # as written, not as stems
    assert label.names == []  # nothing capitalised mid-sentence


def test_untitled_members_are_headed_by_their_lead_sentence():
    assert headline(None, LONG) == "A first sentence that says what happened."
    assert headline("  The Title ", LONG) == "The Title"
    assert len(headline(None, "word " * 200)) <= 202


def test_terms_are_shown_as_written_and_numbers_are_left_out():
    reyes, inspections = stem_words("en", ["reyes", "inspections"])  # terms are stems
    centroid = {reyes: 3.0, "#1962": 5.0, inspections: 1.0}
    text = "Mayor Colin Reyes ordered inspections of the 1962 bridge after Reyes spoke."
    central = member(1, centroid)
    label = make_label(centroid, central, text, [central], {"en": 1}, 1)
    assert label.terms == ["Reyes", "inspections"]
    assert label.names == ["Reyes"]
