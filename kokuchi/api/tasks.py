"""Background entry points of the webhook outbox (Django's Tasks framework, database backend)."""

from __future__ import annotations

from django.tasks import task

from kokuchi.api.models import DeliveryStatus
from kokuchi.api.webhooks import deliver


@task()
def deliver_webhook_task(delivery_id: int) -> str:
    """Attempt one webhook delivery; when it is to be retried, enqueue the retry for its time.

    Backends that cannot defer a task (the immediate backend of the tests) leave the retry to the
    sweep, ``kokuchi api deliver-webhooks``, which a scheduler runs every minute.
    """
    delivery = deliver(delivery_id=delivery_id)
    if delivery is None:
        return "not due"
    if delivery.status == DeliveryStatus.PENDING and deliver_webhook_task.get_backend().supports_defer:
        deliver_webhook_task.using(run_after=delivery.next_attempt_at).enqueue(delivery_id)
    return delivery.status
