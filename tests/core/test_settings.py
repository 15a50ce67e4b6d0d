"""Production settings refuse to start with DEBUG on or the default secret key."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def _load_settings(**env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MINZHENG_")}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import minzheng.settings"],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
        cwd="/tmp",
    )


@pytest.mark.parametrize(
    "env",
    [
        {"MINZHENG_ENV": "production", "MINZHENG_DEBUG": "1", "MINZHENG_SECRET_KEY": "a" * 50},
        {"MINZHENG_ENV": "production", "MINZHENG_DATA_DIR": "/nonexistent-minzheng"},
    ],
)
def test_production_refuses_unsafe_settings(env: dict[str, str]) -> None:
    result = _load_settings(MINZHENG_DATABASE_URL="sqlite:////tmp/minzheng-settings-test.sqlite3", **env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr


def test_production_starts_with_a_real_secret() -> None:
    result = _load_settings(
        MINZHENG_ENV="production",
        MINZHENG_SECRET_KEY="b" * 50,
        MINZHENG_DATABASE_URL="sqlite:////tmp/minzheng-settings-test.sqlite3",
    )
    assert result.returncode == 0, result.stderr
