"""The production profile passes `manage.py check --deploy` and refuses the demo secret."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_check(**env):
    environment = {k: v for k, v in os.environ.items()
                   if k not in ("SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE", "DATABASE_URL")}
    environment.update(env)
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
                          cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120)


def test_the_production_profile_passes_check_deploy():
    result = run_check(GRIDGOV_PROFILE="production", SECRET_KEY="x7!" * 20 + "production-secret-for-tests",
                       ALLOWED_HOSTS="gridgov.example.org")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_production_profile_refuses_to_start_without_a_secret():
    result = run_check(GRIDGOV_PROFILE="production", ALLOWED_HOSTS="gridgov.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_the_demo_profile_is_flagged_by_check_deploy():
    result = run_check(GRIDGOV_PROFILE="demo")
    assert result.returncode != 0
