"""A customer link goes only to a contact of the deal's customer, whoever asks for it."""

import pytest
from django.core.exceptions import ValidationError

from kokuchi.acknowledgements.models import CustomerLink
from kokuchi.acknowledgements.services import create_customer_link
from kokuchi.acknowledgements.tests.factories import make_issued_version
from kokuchi.core.roles import Role
from kokuchi.core.tests.factories import make_user
from kokuchi.customers.tests.factories import make_contact
from kokuchi.evidence.models import EvidenceEvent
from kokuchi.evidence.services import Origin

pytestmark = pytest.mark.django_db


def test_a_link_to_another_customers_contact_is_refused_and_nothing_is_recorded():
    version = make_issued_version()
    with pytest.raises(ValidationError) as raised:
        create_customer_link(
            version=version,
            created_by=make_user(Role.SALES),
            contact=make_contact(),
            origin=Origin(channel="staff_ui"),
        )
    assert raised.value.message_dict == {"contact": ["この連絡先は案件の顧客の連絡先ではありません。"]}
    assert CustomerLink.objects.count() == 0
    assert EvidenceEvent.objects.filter(event_type="link_created").count() == 0
