"""Scheduled runs in the admin: a record of what the scheduler enqueued, written by it only."""

from django.contrib import admin

from kokuchi.core.admin import ReadOnlyAdmin
from kokuchi.operations.models import ScheduledRun


@admin.register(ScheduledRun)
class ScheduledRunAdmin(ReadOnlyAdmin):
    list_display = ["job", "slot", "enqueued_at", "task_result_id"]
    list_filter = ["job"]
    search_fields = ["job", "slot", "task_result_id"]
