"""verify_event: receivers check an event against the data it names; their answers are reported."""

import pytest

from kokuchi.evidence.models import EvidenceEvent
from kokuchi.evidence.signals import verify_event, verify_records
from kokuchi.evidence.tests.factories import make_event
from kokuchi.evidence.verification import verify_evidence

pytestmark = pytest.mark.django_db


@pytest.fixture
def received():
    """Events the test receiver was asked about; it reports a problem for the second one."""
    events = []

    def receiver(sender, *, event, **kwargs):
        events.append((sender, event.sequence))
        return "document replaced" if event.sequence == 2 else None

    verify_event.connect(receiver, dispatch_uid="test_signals.receiver")
    yield events
    verify_event.disconnect(dispatch_uid="test_signals.receiver")


def test_s_evid_verify_reports_what_a_receiver_returns_next_to_the_row(received):
    first, second = make_event(), make_event(event_type="link_opened")

    report = verify_evidence()

    assert received == [(EvidenceEvent, 1), (EvidenceEvent, 2)]
    assert report.problems == [f"row sequence 2 (id {second.pk}): document replaced"]
    assert first.sequence == 1


def test_s_evid_verify_without_files_does_not_ask_receivers(received):
    make_event()

    report = verify_evidence(check_files=False)

    assert (received, report.problems) == ([], [])


def test_acknowledgements_checks_its_records_through_verify_records():
    # Once per verification, not once per event: a million events do not mean a million queries.
    assert verify_records.has_listeners(EvidenceEvent)
