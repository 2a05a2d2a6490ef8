"""Manufacturers keep several CPE vendor names and their other names (aliases) as JSON lists.

The one CPE vendor name a row had moves into the list. Aliases, and the CPE vendor names of rows
that had none, come from manufacturers.yaml the next time `kokuchi load_manufacturers` runs.
"""

from django.db import migrations, models

import kokuchi.catalog.models


def cpe_vendor_into_list(apps, schema_editor):
    Manufacturer = apps.get_model("catalog", "Manufacturer")
    for manufacturer in Manufacturer.objects.exclude(cpe_vendor=""):
        manufacturer.cpe_vendors = [manufacturer.cpe_vendor]
        manufacturer.save(update_fields=["cpe_vendors"])


def first_cpe_vendor_back(apps, schema_editor):
    Manufacturer = apps.get_model("catalog", "Manufacturer")
    for manufacturer in Manufacturer.objects.all():
        if manufacturer.cpe_vendors:
            manufacturer.cpe_vendor = manufacturer.cpe_vendors[0][:100]
            manufacturer.save(update_fields=["cpe_vendor"])


class Migration(migrations.Migration):

    dependencies = [
        ("catalog", "0002_preload_manufacturers"),
    ]

    operations = [
        migrations.AddField(
            model_name="manufacturer",
            name="aliases",
            field=models.JSONField(
                blank=True,
                default=list,
                validators=[kokuchi.catalog.models.validate_maker_aliases],
                verbose_name="other names",
            ),
        ),
        migrations.AddField(
            model_name="manufacturer",
            name="cpe_vendors",
            field=models.JSONField(
                blank=True,
                default=list,
                validators=[kokuchi.catalog.models.validate_cpe_vendors],
                verbose_name="CPE vendor names",
            ),
        ),
        migrations.RunPython(cpe_vendor_into_list, first_cpe_vendor_back),
        migrations.RemoveField(
            model_name="manufacturer",
            name="cpe_vendor",
        ),
    ]
