"""Take over the installed-base tables of the vulnerabilities app, rows included.

State only: vulnerabilities.0005 removed these models from its state and this migration adds them
here with the same table names (``db_table``), so no table is created, renamed or copied. The
content types follow, so that permissions and admin log entries keep pointing at the same models.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MOVED_MODELS = (
    "exposure",
    "exposurestatuschange",
    "firmwarefinding",
    "matchrun",
    "notice",
    "noticedelivery",
    "saleslead",
    "workitem",
)


def _relabel_content_types(apps, schema_editor, *, old: str, new: str) -> None:
    content_type = apps.get_model("contenttypes", "ContentType")
    for model in MOVED_MODELS:
        if content_type.objects.filter(app_label=new, model=model).exists():
            continue
        content_type.objects.filter(app_label=old, model=model).update(app_label=new)


def content_types_to_exposures(apps, schema_editor):
    _relabel_content_types(apps, schema_editor, old="vulnerabilities", new="exposures")


def content_types_to_vulnerabilities(apps, schema_editor):
    _relabel_content_types(apps, schema_editor, old="exposures", new="vulnerabilities")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("catalog", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("customers", "0001_initial"),
        ("devices", "0001_initial"),
        ("vulnerabilities", "0005_move_installed_base_models_to_exposures"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='MatchRun',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('full', 'Full re-match'), ('vulnerabilities', 'Changed vulnerabilities'), ('devices', 'Changed devices')], max_length=20, verbose_name='kind')),
                        ('started_at', models.DateTimeField(verbose_name='started at')),
                        ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='finished at')),
                        ('succeeded', models.BooleanField(default=False, verbose_name='succeeded')),
                        ('vulnerabilities_examined', models.PositiveIntegerField(default=0, verbose_name='vulnerabilities examined')),
                        ('pairs_evaluated', models.PositiveIntegerField(default=0, verbose_name='(product, firmware) pairs evaluated')),
                        ('created', models.PositiveIntegerField(default=0, verbose_name='new exposures')),
                        ('reopened', models.PositiveIntegerField(default=0, verbose_name='reopened')),
                        ('updated', models.PositiveIntegerField(default=0, verbose_name='updated')),
                        ('resolved', models.PositiveIntegerField(default=0, verbose_name='resolved')),
                        ('unchanged', models.PositiveIntegerField(default=0, verbose_name='unchanged')),
                        ('error', models.TextField(blank=True, verbose_name='error')),
                    ],
                    options={
                        'verbose_name': 'match run',
                        'verbose_name_plural': 'match runs',
                        'db_table': 'vulnerabilities_matchrun',
                        'ordering': ['-started_at'],
                    },
                ),
                migrations.CreateModel(
                    name='Exposure',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('status', models.CharField(choices=[('open', 'Open'), ('resolved_by_update', 'Resolved by a firmware update'), ('risk_accepted', 'Risk accepted'), ('false_positive', 'False positive'), ('no_longer_matches', 'No longer matches the vulnerability data')], default='open', max_length=20, verbose_name='status')),
                        ('method', models.CharField(max_length=30, verbose_name='matching method')),
                        ('confidence', models.PositiveSmallIntegerField(verbose_name='confidence')),
                        ('explanation', models.TextField(verbose_name='explanation')),
                        ('matched_firmware', models.CharField(blank=True, max_length=80, verbose_name='firmware when matched')),
                        ('priority', models.PositiveSmallIntegerField(choices=[(1, 'Urgent (known exploited)'), (2, 'High'), (3, 'Medium'), (4, 'Low')], default=4, verbose_name='priority')),
                        ('status_reason', models.TextField(blank=True, verbose_name='reason')),
                        ('status_changed_at', models.DateTimeField(blank=True, null=True, verbose_name='status changed at')),
                        ('first_matched_at', models.DateTimeField(verbose_name='first matched at')),
                        ('last_matched_at', models.DateTimeField(verbose_name='last matched at')),
                        ('customer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='exposures', to='customers.customer', verbose_name='customer')),
                        ('device', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='exposures', to='devices.device', verbose_name='device')),
                        ('status_changed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='changed by')),
                        ('vulnerability', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='exposures', to='vulnerabilities.vulnerability', verbose_name='vulnerability')),
                    ],
                    options={
                        'verbose_name': 'exposure',
                        'verbose_name_plural': 'exposures',
                        'db_table': 'vulnerabilities_exposure',
                        'ordering': ['priority', '-vulnerability__published', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='ExposureStatusChange',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('from_status', models.CharField(blank=True, choices=[('open', 'Open'), ('resolved_by_update', 'Resolved by a firmware update'), ('risk_accepted', 'Risk accepted'), ('false_positive', 'False positive'), ('no_longer_matches', 'No longer matches the vulnerability data')], max_length=20, verbose_name='from')),
                        ('to_status', models.CharField(choices=[('open', 'Open'), ('resolved_by_update', 'Resolved by a firmware update'), ('risk_accepted', 'Risk accepted'), ('false_positive', 'False positive'), ('no_longer_matches', 'No longer matches the vulnerability data')], max_length=20, verbose_name='to')),
                        ('reason', models.TextField(blank=True, verbose_name='reason')),
                        ('automatic', models.BooleanField(default=False, verbose_name='automatic')),
                        ('changed_at', models.DateTimeField(auto_now_add=True, verbose_name='changed at')),
                        ('changed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='changed by')),
                        ('exposure', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='history', to='exposures.exposure', verbose_name='exposure')),
                    ],
                    options={
                        'verbose_name': 'exposure status change',
                        'verbose_name_plural': 'exposure status changes',
                        'db_table': 'vulnerabilities_exposurestatuschange',
                        'ordering': ['changed_at', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='FirmwareFinding',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('firmware', models.CharField(blank=True, max_length=80)),
                        ('method', models.CharField(max_length=30)),
                        ('confidence', models.PositiveSmallIntegerField()),
                        ('explanation', models.TextField()),
                        ('priority', models.PositiveSmallIntegerField(choices=[(1, 'Urgent (known exploited)'), (2, 'High'), (3, 'Medium'), (4, 'Low')])),
                        ('product', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='catalog.product')),
                        ('vulnerability', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='vulnerabilities.vulnerability')),
                    ],
                    options={
                        'db_table': 'vulnerabilities_firmwarefinding',
                    },
                ),
                migrations.CreateModel(
                    name='Notice',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('contracted', 'Notice under a maintenance contract'), ('informational', 'Informational notice (no contract)')], max_length=20, verbose_name='kind')),
                        ('subject', models.CharField(max_length=300, verbose_name='subject')),
                        ('body', models.TextField(verbose_name='body')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                        ('customer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notices', to='customers.customer', verbose_name='customer')),
                        ('exposures', models.ManyToManyField(related_name='notices', to='exposures.exposure', verbose_name='exposures')),
                        ('vulnerability', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notices', to='vulnerabilities.vulnerability', verbose_name='vulnerability')),
                    ],
                    options={
                        'verbose_name': 'notice',
                        'verbose_name_plural': 'notices',
                        'db_table': 'vulnerabilities_notice',
                        'ordering': ['-created_at', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='NoticeDelivery',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('recipient', models.EmailField(max_length=254, verbose_name='recipient')),
                        ('status', models.CharField(choices=[('pending', 'Waiting to be sent'), ('sent', 'Sent'), ('failed', 'Gave up after retries')], default='pending', max_length=10, verbose_name='status')),
                        ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='attempts')),
                        ('next_attempt_at', models.DateTimeField(db_index=True, verbose_name='next attempt at')),
                        ('last_error', models.TextField(blank=True, verbose_name='last error')),
                        ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='sent at')),
                        ('token_sha256', models.CharField(blank=True, max_length=64, null=True, unique=True)),
                        ('first_read_at', models.DateTimeField(blank=True, null=True, verbose_name='first read at')),
                        ('read_count', models.PositiveIntegerField(default=0, verbose_name='times opened')),
                        ('notice', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='deliveries', to='exposures.notice', verbose_name='notice')),
                    ],
                    options={
                        'verbose_name': 'notice delivery',
                        'verbose_name_plural': 'notice deliveries',
                        'db_table': 'vulnerabilities_noticedelivery',
                        'ordering': ['pk'],
                    },
                ),
                migrations.CreateModel(
                    name='SalesLead',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('note', models.TextField(blank=True, verbose_name='note')),
                        ('status', models.CharField(choices=[('open', 'Open'), ('won', 'Contract signed'), ('lost', 'Declined')], default='open', max_length=10, verbose_name='status')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                        ('customer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='sales_leads', to='customers.customer', verbose_name='customer')),
                        ('proposed_plan', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='catalog.serviceplan', verbose_name='proposed plan')),
                        ('vulnerability', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='sales_leads', to='vulnerabilities.vulnerability', verbose_name='vulnerability')),
                    ],
                    options={
                        'verbose_name': 'sales lead',
                        'verbose_name_plural': 'sales leads',
                        'db_table': 'vulnerabilities_saleslead',
                        'ordering': ['-created_at', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='WorkItem',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('priority', models.PositiveSmallIntegerField(choices=[(1, 'Urgent (known exploited)'), (2, 'High'), (3, 'Medium'), (4, 'Low')], verbose_name='priority')),
                        ('due_on', models.DateField(verbose_name='due on')),
                        ('status', models.CharField(choices=[('open', 'Open'), ('done', 'Done'), ('cancelled', 'Cancelled')], default='open', max_length=10, verbose_name='status')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='created at')),
                        ('closed_at', models.DateTimeField(blank=True, null=True, verbose_name='closed at')),
                        ('customer', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='work_items', to='customers.customer', verbose_name='customer')),
                        ('vulnerability', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='work_items', to='vulnerabilities.vulnerability', verbose_name='vulnerability')),
                    ],
                    options={
                        'verbose_name': 'work item',
                        'verbose_name_plural': 'work items',
                        'db_table': 'vulnerabilities_workitem',
                        'ordering': ['due_on', 'priority', 'pk'],
                    },
                ),
                migrations.AddIndex(
                    model_name='exposure',
                    index=models.Index(fields=['status', 'priority', '-id'], name='exposure_status_priority'),
                ),
                migrations.AddIndex(
                    model_name='exposure',
                    index=models.Index(fields=['vulnerability', 'status'], name='exposure_vuln_status'),
                ),
                migrations.AddIndex(
                    model_name='exposure',
                    index=models.Index(fields=['customer', 'status', 'priority', '-id'], name='exposure_customer_list'),
                ),
                migrations.AddConstraint(
                    model_name='exposure',
                    constraint=models.UniqueConstraint(fields=('device', 'vulnerability'), name='unique_exposure'),
                ),
                migrations.AddIndex(
                    model_name='firmwarefinding',
                    index=models.Index(fields=['vulnerability'], name='finding_vulnerability'),
                ),
                migrations.AddConstraint(
                    model_name='firmwarefinding',
                    constraint=models.UniqueConstraint(fields=('product', 'firmware', 'vulnerability'), name='unique_firmware_finding'),
                ),
                migrations.AddConstraint(
                    model_name='saleslead',
                    constraint=models.UniqueConstraint(fields=('customer', 'vulnerability'), name='unique_sales_lead'),
                ),
                migrations.AddConstraint(
                    model_name='workitem',
                    constraint=models.UniqueConstraint(fields=('customer', 'vulnerability'), name='unique_work_item'),
                ),
            ],
        ),
        migrations.RunPython(content_types_to_exposures, content_types_to_vulnerabilities),
    ]
