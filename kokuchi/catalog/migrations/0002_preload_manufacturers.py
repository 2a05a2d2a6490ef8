"""Preload the manufacturers from the packaged manufacturers.yaml.

A data migration rather than a post_migrate handler: it runs once per database, inside the
migration's transaction, and is recorded like any schema change. A post_migrate handler would run
on every `migrate` (and every test-database flush), re-applying the YAML behind the operator's
back; `kokuchi load_manufacturers` is the explicit way to reload it.
"""

from django.db import migrations


def preload(apps, schema_editor):
    from kokuchi.catalog.manufacturers import DEFAULT_PATH, apply_manufacturers, read_manufacturers

    Manufacturer = apps.get_model("catalog", "Manufacturer")
    apply_manufacturers(read_manufacturers(DEFAULT_PATH), model=Manufacturer)


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(preload, migrations.RunPython.noop),
    ]
