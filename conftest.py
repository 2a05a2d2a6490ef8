import pytest


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Each test writes stored files under its own directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
