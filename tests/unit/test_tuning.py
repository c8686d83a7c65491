"""The tuning protocols choose on the tuning sets only and score the one held out."""

from evaluation.tuning import Score, choose, grid, protocols

VALUES = [0.1, 0.2, 0.3]


def scores_where(best: dict[str, float]) -> dict:
    """Each subset scores 1.0 at its own best value and 0.5 elsewhere."""
    subsets = ["ecb_traindev", "ecb_test", "gvc", "newswcl50"]
    return {
        (s, v): Score(1.0, 1.0) if v == best[s] else Score(0.5, 0.5)
        for s in subsets
        for v in VALUES
    }


def test_grid_reads_ranges_and_lists():
    assert grid("0.10:0.20:0.05") == [0.1, 0.15, 0.2]
    assert grid("0.2,0.3") == [0.2, 0.3]


def test_ties_go_to_the_value_nearest_the_default():
    flat = {("gvc", v): Score(0.9, 0.9) for v in VALUES}
    assert choose(flat, ["gvc"], VALUES, default=0.2) == 0.2


def test_a_held_out_set_never_influences_its_own_choice():
    # ECB+ test alone is best at 0.3; every set it could be tuned on is best at 0.1
    scores = scores_where({"ecb_traindev": 0.1, "ecb_test": 0.3, "gvc": 0.1, "newswcl50": 0.1})
    rows = {(r.protocol, r.scored_on): r for r in protocols(scores, VALUES, default=0.2)}
    assert rows[("ECB+ train+dev", "GVC")].chosen == 0.1
    assert rows[("ECB+ train+dev", "ECB+")].chosen == 0.1  # test topics never looked at
    assert rows[("ECB+ train+dev", "ECB+")].score == Score(0.5, 0.5)
    held_out = rows[("leave one out", "ECB+")]
    assert held_out.tuned_on == ("GVC", "NewsWCL50") and held_out.chosen == 0.1
    assert held_out.score == Score(0.5, 0.5) and held_out.shipped == scores[("ecb_test", 0.2)]
