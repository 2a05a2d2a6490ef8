"""The README documents what the code offers."""

import re
from pathlib import Path

from django.conf import settings


def readme() -> str:
    return (settings.BASE_DIR / "README.md").read_text(encoding="utf-8")


def test_readme_documents_every_environment_variable_of_the_settings():
    names = set(re.findall(r'env(?:_bool)?\("([A-Z_]+)"', (settings.BASE_DIR / "config" / "settings.py").read_text()))
    assert "KOKUCHI_DEBUG" in names
    assert "DATABASE_URL" in names
    missing = {name for name in names if f"`{name}`" not in readme()}
    assert missing == set()


def test_readme_quick_start_is_exactly_the_two_commands():
    block = readme().split("## Quick start", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [line.split("#", 1)[0].strip() for line in block.splitlines()]
    assert commands == ["make run", "make test"]


def test_readme_lists_every_cli_command_of_kokuchi():
    text = readme()
    for command in ("kokuchi migrate", "kokuchi db_worker", "kokuchi createsuperuser"):
        assert f"`{command}" in text
    repo = Path(__file__).resolve().parents[2]
    ours = sorted(
        path.stem for path in repo.glob("kokuchi/*/management/commands/*.py") if not path.stem.startswith("_")
    )
    assert "demo" in ours and "feeds" in ours
    assert [name for name in ours if f"`kokuchi {name}" not in text] == []


def test_readme_demo_logins_are_the_ones_the_demo_creates():
    from kokuchi.demo.data import DEMO_USERS

    for username, password, role in DEMO_USERS:
        assert f"| `{username}` | `{password}` | {role.value}" in readme()
