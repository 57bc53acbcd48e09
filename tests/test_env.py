"""The typed environment readers behind clinic/settings.py."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from clinic import env


@pytest.mark.parametrize("raw,expected", [("1", True), ("yes", True), ("ON", True),
                                           ("0", False), ("false", False), ("off", False)])
def test_env_bool_parses_common_spellings(monkeypatch, raw, expected):
    monkeypatch.setenv("X_FLAG", raw)
    assert env.env_bool("X_FLAG", not expected) is expected


def test_env_bool_uses_default_when_unset(monkeypatch):
    monkeypatch.delenv("X_FLAG", raising=False)
    assert env.env_bool("X_FLAG", True) is True


def test_env_bool_refuses_nonsense_naming_the_variable(monkeypatch):
    monkeypatch.setenv("X_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="X_FLAG='maybe' is not a boolean"):
        env.env_bool("X_FLAG", False)


def test_env_int_parses_and_refuses_non_integers(monkeypatch):
    monkeypatch.setenv("X_NUM", " 42 ")
    assert env.env_int("X_NUM", 1) == 42
    monkeypatch.setenv("X_NUM", "4.5")
    with pytest.raises(ImproperlyConfigured, match="X_NUM='4.5' is not an integer"):
        env.env_int("X_NUM", 1)


def test_env_int_refuses_values_below_minimum(monkeypatch):
    monkeypatch.setenv("X_NUM", "10")
    with pytest.raises(ImproperlyConfigured, match="below the minimum of 60"):
        env.env_int("X_NUM", 100, minimum=60)


def test_env_list_splits_and_drops_empty_items(monkeypatch):
    monkeypatch.setenv("X_LIST", "a.example, b.example,,")
    assert env.env_list("X_LIST") == ["a.example", "b.example"]


def test_env_required_names_the_missing_variable(monkeypatch):
    monkeypatch.delenv("X_SECRET", raising=False)
    with pytest.raises(ImproperlyConfigured, match="X_SECRET is required when DEBUG is off"):
        env.env_required("X_SECRET", "when DEBUG is off")


def test_file_form_reads_the_secret_from_a_file(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")
    monkeypatch.delenv("X_SECRET", raising=False)
    monkeypatch.setenv("X_SECRET_FILE", str(secret))
    assert env.env_str("X_SECRET") == "from-a-file"


def test_file_form_and_plain_form_together_are_refused(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("x")
    monkeypatch.setenv("X_SECRET", "y")
    monkeypatch.setenv("X_SECRET_FILE", str(secret))
    with pytest.raises(ImproperlyConfigured, match="either X_SECRET or X_SECRET_FILE"):
        env.env_str("X_SECRET")


def test_unreadable_file_form_is_refused(monkeypatch, tmp_path):
    monkeypatch.delenv("X_SECRET", raising=False)
    monkeypatch.setenv("X_SECRET_FILE", str(tmp_path / "absent"))
    with pytest.raises(ImproperlyConfigured, match="X_SECRET_FILE: cannot read"):
        env.env_str("X_SECRET")


def test_env_choice_refuses_unknown_values(monkeypatch):
    monkeypatch.setenv("X_LEVEL", "LOUD")
    with pytest.raises(ImproperlyConfigured, match="X_LEVEL='LOUD' is not one of"):
        env.env_choice("X_LEVEL", "INFO", ("INFO", "DEBUG"))
