from django.db import models
from django.utils.translation import gettext_lazy as _


class ScheduledRun(models.Model):
    """One occurrence of a scheduled job, enqueued for the task worker.

    The unique (job, slot) pair is what makes several schedulers safe: whichever inserts the row first
    enqueues the task, the others see the conflict and skip it.
    """

    job = models.CharField(_("job"), max_length=50)
    # The occurrence: a date for daily jobs ("2026-12-07"), a time for frequent ones ("2026-12-07T10:05").
    slot = models.CharField(_("slot"), max_length=20)
    enqueued_at = models.DateTimeField(_("enqueued at"), auto_now_add=True)
    task_result_id = models.CharField(_("task result"), max_length=64, blank=True)

    class Meta:
        ordering = ["-enqueued_at"]
        verbose_name = _("scheduled run")
        verbose_name_plural = _("scheduled runs")
        constraints = [
            models.UniqueConstraint(
                fields=["job", "slot"],
                name="operations_scheduledrun_once_per_slot",
                violation_error_message=_("This job was already enqueued for this slot."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.job} {self.slot}"
