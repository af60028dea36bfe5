"""The connection settings gridgov gives each database (gridgov/settings.py)."""

import pytest
from django.db import connection


@pytest.mark.django_db
def test_each_database_runs_with_gridgovs_connection_settings():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # no JIT compilation: it cost the deadline sweep seconds per statement
            cursor.execute("SHOW jit")
            assert cursor.fetchone()[0] == "off"
        else:
            # SQLite: write-ahead log, so readers do not wait for the writer
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"
