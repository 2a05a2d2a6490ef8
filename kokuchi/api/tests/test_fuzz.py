"""A property-based fuzz of every operation from the OpenAPI schema against a live test server:
valid and invalid requests alike get no server error, and every answer matches the schema
(schemathesis)."""

from __future__ import annotations

import json

import pytest
import schemathesis
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from kokuchi.acknowledgements.tests.factories import make_issued_version
from kokuchi.api.tests.factories import make_token
from kokuchi.catalog.tests.factories import make_plan
from kokuchi.core.roles import Role
from kokuchi.devices.tests.factories import make_contract, make_device
from kokuchi.exposures.tests.factories import make_exposure, make_notice

# Bounded so that the whole fuzz stays within about a minute on a shared machine.
EXAMPLES_PER_MODE = 5
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


def api_schema():
    document = SchemaGenerator(api_version="1").get_schema(request=None, public=True)
    return schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(document)))


def fuzz_operation(operation, *, base_url: str, headers: dict[str, str], mode: GenerationMode) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES_PER_MODE,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def fuzz(case):
        case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS, timeout=30)

    fuzz()


@pytest.mark.fuzz
def test_no_server_error_and_every_answer_matches_the_schema(live_server, transactional_db):
    # A row of each kind, so that generated ids sometimes hit real objects.
    version = make_issued_version()
    make_contract(devices=[make_device(customer=version.disclosure.deal.customer)])
    make_exposure()
    make_notice()
    make_plan()
    headers = {"Authorization": f"Bearer {make_token(role=Role.ADMIN).secret}"}
    failures = []
    operations = [result.ok() for result in api_schema().get_all_operations()]
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                fuzz_operation(operation, base_url=live_server.url, headers=headers, mode=mode)
            except (Exception, BaseExceptionGroup) as error:  # noqa: BLE001 - collect all failures, then report
                failures.append(f"{operation.label} [{mode.value}]: {str(error)[:600]}")
    assert failures == []
