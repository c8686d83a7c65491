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


def test_scores_are_averaged_over_file_order_and_seeded_shuffles():
    from evaluation.tuning import _mean, arrival_orders

    assert arrival_orders(1) == [None] and arrival_orders(3) == [None, 1, 2]
    assert _mean([Score(1.0, 0.5), Score(0.5, 0.25)]) == Score(0.75, 0.375)


def test_a_shuffle_reorders_only_what_the_data_leaves_unordered(tmp_path):
    import json

    from evaluation.run import load_records

    undated = tmp_path / "undated.jsonl"
    undated.write_text("\n".join(json.dumps({"id": str(i), "cluster": i}) for i in range(30)))
    in_file_order = [r["id"] for r in load_records(undated, {})]
    assert in_file_order == [str(i) for i in range(30)]
    shuffled = [r["id"] for r in load_records(undated, {}, shuffle=1)]
    assert shuffled != in_file_order and sorted(shuffled) == sorted(in_file_order)
    assert shuffled == [r["id"] for r in load_records(undated, {}, shuffle=1)]  # seeded

    dated = tmp_path / "dated.jsonl"
    days = ["2018-05-02", "2018-05-01", "2018-05-02", "2018-05-01", "2018-05-03"] * 4
    rows = [{"id": str(i), "cluster": i, "published": day} for i, day in enumerate(days)]
    dated.write_text("\n".join(json.dumps(row) for row in rows))
    for seed in (None, 1, 2):
        order = [r["published"] for r in load_records(dated, {}, shuffle=seed)]
        assert order == sorted(days)  # dates still decide; only ties move


def test_a_joint_sweep_chooses_the_pair_on_the_tuning_sets_only():
    # a weight is only good with the threshold that suits it: judged at another
    # weight's best threshold it would lose
    points = [(w, t) for w in (1.0, 2.0) for t in VALUES]
    best = {"ecb_traindev": (2.0, 0.1), "ecb_test": (1.0, 0.3), "gvc": (2.0, 0.1)}
    best["newswcl50"] = (1.0, 0.2)
    scores = {
        (s, p): Score(1.0, 1.0) if p == best[s] else Score(0.5, 0.5) for s in best for p in points
    }
    rows = {(r.protocol, r.scored_on): r for r in protocols(scores, points, default=(1.0, 0.2))}
    assert rows[("ECB+ train+dev", "NewsWCL50")].chosen == (2.0, 0.1)
    assert rows[("ECB+ train+dev", "ECB+")].score == Score(0.5, 0.5)
    # NewsWCL50 held out: ECB+ and GVC agree on (2.0, 0.1), NewsWCL50's own best is not it
    held_out = rows[("leave one out", "NewsWCL50")]
    assert held_out.chosen == (2.0, 0.1) and held_out.shipped == Score(1.0, 1.0)


def test_joint_ties_go_to_the_pair_nearest_the_shipped_one():
    points = [(w, t) for w in (1.0, 2.0, 4.0) for t in VALUES]
    flat = {("gvc", p): Score(0.9, 0.9) for p in points}
    assert choose(flat, ["gvc"], points, default=(2.0, 0.2)) == (2.0, 0.2)


def test_tune_refuses_a_malformed_or_impossible_joint_sweep(tmp_path, capsys):
    from app.cli import main

    assert main(["tune", str(tmp_path), "--param", "number_weight", "--with", "oops"]) == 2
    assert "NAME=VALUES" in capsys.readouterr().err
    assert main(["tune", str(tmp_path), "--with", "join_threshold=0.1,0.2"]) == 2
    assert "with itself" in capsys.readouterr().err
    joint = ["--with", "join_threshold=0.1"]
    assert main(["tune", str(tmp_path), "--param", "batch_threshold", *joint]) == 2
    assert "cannot be swept jointly" in capsys.readouterr().err
    assert main(["tune", str(tmp_path), "--param", "number_weight", "--with", "nope=1"]) == 2
    assert "'nope' is not an algorithm parameter" in capsys.readouterr().err


def test_a_joint_sweep_reads_back_from_json_and_names_both_settings():
    import json

    from evaluation.tuning import _row_dict, format_table

    points = [(w, t) for w in (1.0, 2.0) for t in VALUES]
    scores = {
        (s, p): Score(1.0, 1.0) if p == (2.0, 0.1) else Score(0.5, 0.5)
        for s in ("ecb_traindev", "ecb_test", "gvc", "newswcl50")
        for p in points
    }
    rows = [_row_dict(row) for row in protocols(scores, points, default=(1.0, 0.2))]
    result = {"param": "number_weight", "joint": "join_threshold", "default": (1.0, 0.2)}
    table = format_table(json.loads(json.dumps(result | {"rows": rows})))
    assert "| number_weight / join_threshold |" in table
    assert "shipped (1.0 / 0.2)" in table
    assert table.count("| 2.0 / 0.1 |") == 6  # every protocol's row names the pair
