"""Formerly preloaded the manufacturers of manufacturers.yaml; now empty.

Kept so that databases which applied it keep a consistent history (their rows stay). A new database
starts without manufacturers: `kokuchi load_manufacturers` loads them, and `kokuchi demo` does the
same, so that tests start from an empty table instead of deleting rows a migration put there.
"""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0001_initial"),
    ]

    operations = []
