import datetime

import pytest

from kokuchi.customers.models import SelfMaintenanceLevel, UpdatePractice
from kokuchi.customers.tests.factories import make_assessment, make_customer

pytestmark = pytest.mark.django_db

SCHEDULED = UpdatePractice.AUTOMATIC_OR_SCHEDULED


@pytest.mark.parametrize(
    ("answers", "score", "level"),
    [
        # (it staff, security owner, update practice, network check, incident contact)
        ((True, True, SCHEDULED, True, True), 5, SelfMaintenanceLevel.CAPABLE),
        ((True, True, SCHEDULED, True, False), 4, SelfMaintenanceLevel.CAPABLE),
        ((True, True, UpdatePractice.OUTSOURCED, False, True), 4, SelfMaintenanceLevel.CAPABLE),
        ((False, True, SCHEDULED, True, True), 4, SelfMaintenanceLevel.NEEDS_SUPPORT),  # no IT staff
        ((True, True, UpdatePractice.WHEN_NOTIFIED, True, False), 3, SelfMaintenanceLevel.NEEDS_SUPPORT),
        ((False, True, UpdatePractice.WHEN_NOTIFIED, True, False), 2, SelfMaintenanceLevel.NEEDS_SUPPORT),
        ((True, False, UpdatePractice.NEVER, False, False), 1, SelfMaintenanceLevel.DIFFICULT),
        ((False, False, UpdatePractice.NEVER, False, False), 0, SelfMaintenanceLevel.DIFFICULT),
    ],
)
def test_s_skill_assessment_level_from_answers(answers, score, level):
    it_staff, owner, practice, network, incident = answers
    assessment = make_assessment(
        has_it_staff=it_staff,
        has_security_owner=owner,
        update_practice=practice,
        can_check_network_settings=network,
        has_incident_contact=incident,
    )
    assessment.refresh_from_db()
    assert assessment.score() == score
    assert assessment.level == level


def test_s_skill_when_notified_updates_do_not_count_as_practice():
    assessment = make_assessment(update_practice=UpdatePractice.WHEN_NOTIFIED)
    assert assessment.score() == 0
    assert assessment.level == SelfMaintenanceLevel.DIFFICULT


def test_s_skill_level_recomputed_when_saved_with_update_fields():
    assessment = make_assessment()
    assert assessment.level == SelfMaintenanceLevel.DIFFICULT
    assessment.has_it_staff = True
    assessment.has_security_owner = True
    assessment.save(update_fields=["has_it_staff", "has_security_owner"])
    assessment.refresh_from_db()
    assert assessment.level == SelfMaintenanceLevel.NEEDS_SUPPORT


def test_s_skill_customer_level_is_the_latest_assessment():
    customer = make_customer()
    assert customer.self_maintenance_level is None
    make_assessment(customer=customer, assessed_on=datetime.date(2026, 1, 10))
    latest = make_assessment(
        customer=customer,
        assessed_on=datetime.date(2026, 6, 1),
        has_it_staff=True,
        has_security_owner=True,
        update_practice=SCHEDULED,
        can_check_network_settings=True,
        has_incident_contact=True,
    )
    make_assessment(
        customer=customer, assessed_on=datetime.date(2026, 3, 1), has_it_staff=True, has_security_owner=True
    )
    assert customer.latest_assessment == latest
    assert customer.self_maintenance_level == SelfMaintenanceLevel.CAPABLE
