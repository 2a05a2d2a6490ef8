import pytest
from django.db import DatabaseError, connection

from kokuchi.evidence.models import EvidenceEvent
from kokuchi.evidence.tests.factories import make_event


@pytest.mark.django_db(transaction=True)
def test_s_evid_transactional_test_with_events_can_be_flushed():
    # The teardown flush must pass the append-only triggers (conftest._evidence_flush_permit).
    make_event()
    make_event()


@pytest.mark.django_db
def test_s_evid_triggers_are_back_after_a_flush():
    assert EvidenceEvent.objects.count() == 0
    make_event()
    with pytest.raises(DatabaseError, match="append-only"), connection.cursor() as cursor:
        cursor.execute("DELETE FROM evidence_evidenceevent")
