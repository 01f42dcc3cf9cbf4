"""The one place that reads the environment for settings."""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int_map(name: str) -> dict[str, int]:
    """`community:2,street:4` → {"community": 2, "street": 4}; unset → {} (the code's defaults apply)."""
    pairs = (item.split(":", 1) for item in env_list(name))
    return {key.strip(): int(value) for key, value in pairs}
