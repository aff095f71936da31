import os
import shutil

import pytest
from django.conf import settings

from tests.personas import *  # noqa: F401,F403  (persona fixtures for every test)


def pytest_collection_modifyitems(config, items):
    if settings.USES_POSTGRES:
        return
    if os.environ.get("CI") == "true":
        raise pytest.UsageError("CI must run on PostgreSQL: set DATABASE_URL (see .ci/run).")
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL); CI always runs it")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    cache.clear()


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(os.environ.get("PILOT_VAR_DIR", "/nonexistent"), ignore_errors=True)
