"""config/env.py: the one reader of the environment for settings."""

from __future__ import annotations

import pytest

from config.env import env_int_map


def test_int_map_reads_level_days(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEED_ESCALATE_DAYS", " community:2, street:4 ")
    assert env_int_map("NEED_ESCALATE_DAYS") == {"community": 2, "street": 4}


def test_int_map_unset_is_empty_so_the_code_defaults_apply(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEED_ESCALATE_DAYS", raising=False)
    assert env_int_map("NEED_ESCALATE_DAYS") == {}


def test_int_map_refuses_a_malformed_value_at_start_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEED_ESCALATE_DAYS", "community:two")
    with pytest.raises(ValueError, match="invalid literal"):
        env_int_map("NEED_ESCALATE_DAYS")
