from django.db import migrations


def install(apps, schema_editor):
    from kokuchi.evidence.triggers import install_triggers

    install_triggers(schema_editor.connection, checkpoints=False)


def drop(apps, schema_editor):
    from kokuchi.evidence.triggers import drop_triggers

    drop_triggers(schema_editor.connection, checkpoints=False)


class Migration(migrations.Migration):
    # The triggers refuse UPDATE and DELETE on evidence rows (per vendor: SQLite and PostgreSQL).

    dependencies = [("evidence", "0001_initial")]

    operations = [migrations.RunPython(install, drop)]
