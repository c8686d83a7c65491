"""One validated configuration: unknown or out-of-range settings are refused, naming
the field; derived values come from it; it is built once."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app import cli
from app.clustering.config import ClusteringConfig
from app.config import Settings
from tests.records import write_file


@pytest.mark.parametrize(
    "values, named",
    [
        ({"join_treshold": 0.9}, "join_treshold"),
        ({"story_lsh_threshold": 1.5}, "story_lsh_threshold"),
        ({"bucket_cap": 0}, "bucket_cap"),
        ({"join_threshold": 0.6}, "merge_threshold"),  # merge below join
    ],
)
def test_bad_settings_are_refused_naming_the_field(values, named):
    with pytest.raises(ValidationError) as refused:
        Settings(**values)
    assert named in str(refused.value)


def test_an_unknown_story_variable_in_the_environment_is_refused(monkeypatch):
    monkeypatch.setenv("STORY_JOIN_TRESHOLD", "0.9")
    with pytest.raises(ValidationError) as refused:
        Settings()
    assert "STORY_JOIN_TRESHOLD" in str(refused.value)


def test_known_variables_in_the_environment_are_read(monkeypatch):
    monkeypatch.setenv("STORY_JOIN_THRESHOLD", "0.3")
    assert Settings().clustering().join_threshold == 0.3


@pytest.mark.parametrize("override", ["join_treshold=0.9", "story_lsh_threshold=1.5"])
def test_eval_refuses_a_bad_setting_naming_it(tmp_path, capsys, override):
    path = tmp_path / "records.jsonl"
    write_file(path)
    with pytest.raises(SystemExit) as stopped:
        cli.main(["eval", str(path), "--set", override])
    assert stopped.value.code == 2
    assert override.split("=")[0] in capsys.readouterr().err


def test_the_configuration_is_built_once_and_copies_rebuild_it():
    settings = Settings(join_threshold=0.3)
    assert settings.clustering() is settings.clustering()
    changed = settings.model_copy(update={"join_threshold": 0.25})
    assert changed.clustering().join_threshold == 0.25
    assert settings.clustering().join_threshold == 0.3


def test_derived_values_come_from_the_shipped_configuration():
    config = ClusteringConfig()
    weights = config.story_weights()
    assert (weights.number_weight, weights.lead_tokens) == (
        config.number_weight,
        config.lead_tokens,
    )
    bands, rows = config.story_bands()
    assert bands * rows <= config.story_num_perm
    with pytest.raises(ValidationError):
        ClusteringConfig(join_threshold=2)
