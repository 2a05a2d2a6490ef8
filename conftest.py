import pytest

from kokuchi.vulnerabilities.tests.feedsamples import FEEDS_DIR


@pytest.fixture
def feed_samples_dir():
    """The public feed samples kept with the vulnerabilities tests (SOURCES.md there names each
    file's origin); a fixture so that tests of lower apps read them without importing upwards."""
    return FEEDS_DIR


@pytest.fixture
def packaged_manufacturers(db):
    """The 37 manufacturers of the packaged manufacturers.yaml, loaded by the service behind
    `kokuchi load_manufacturers` (a new database has none); returns what the load did."""
    from kokuchi.catalog.manufacturers import load_manufacturers

    return load_manufacturers()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Each test writes stored files under its own directory."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _evidence_flush_permit(request):
    """Let transactional tests (live_server, transaction=True) flush evidence rows on SQLite.

    The append-only triggers refuse DELETE, and Django's SQLite flush deletes row by row (PostgreSQL
    truncates, which row triggers do not see). Requesting the database fixture from here makes this
    teardown run before the flush: the triggers are dropped, the rows removed, the triggers restored.
    """
    marker = request.node.get_closest_marker("django_db")
    by_marker = bool(marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))
    by_fixture = bool({"transactional_db", "live_server"} & set(request.fixturenames))
    if not (by_marker or by_fixture):
        yield
        return
    request.getfixturevalue("_django_db_helper" if by_marker else "transactional_db")
    yield
    from django.db import connection

    from kokuchi.evidence.triggers import drop_triggers, install_triggers

    if connection.vendor != "sqlite":
        return
    drop_triggers(connection)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM evidence_evidenceevent")
        cursor.execute("DELETE FROM evidence_evidencechainhead")
        cursor.execute("DELETE FROM evidence_evidencecheckpoint")
    install_triggers(connection)
