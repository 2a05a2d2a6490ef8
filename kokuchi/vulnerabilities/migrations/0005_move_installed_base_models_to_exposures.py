"""Hand the installed-base models over to the exposures app without touching a row.

State only: the tables stay where they are and exposures.0001 takes them over under the same
names (``db_table``). Child models are removed from the state before the models they point to.
"""

from django.db import migrations

MOVED_MODELS = (
    "NoticeDelivery",
    "Notice",
    "ExposureStatusChange",
    "Exposure",
    "FirmwareFinding",
    "MatchRun",
    "WorkItem",
    "SalesLead",
)


class Migration(migrations.Migration):
    dependencies = [
        ("vulnerabilities", "0004_feed_child_rows_fewer_indexes_no_db_fk"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name=name) for name in MOVED_MODELS],
            database_operations=[],
        ),
    ]
