"""schemathesis against the served OpenAPI document, in-process on the WSGI application:
every operation, with bodies drawn from the document's own schemas (valid and invalid), never
answers a 5xx. Bounded: a few dozen cases per operation, derandomized.
"""
from __future__ import annotations

import itertools

import pytest
import schemathesis
from schemathesis import GenerationMode
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from survey_app.services import catalogue, cycles, kiosks
from tests.helpers import DEFINITIONS, make_app
from tests.robustness.helpers import TALLY


@pytest.fixture(scope="module")
def served(tmp_path_factory, migrated_sqlite):
    import shutil

    path = tmp_path_factory.mktemp("contract") / "servir.sqlite3"
    shutil.copy(migrated_sqlite, path)
    app = make_app(f"sqlite:///{path}")
    with app.app_context():
        catalogue.sync_directory(DEFINITIONS)
        cycles.create_cycle("2026", "Cycle 2026")
        cycles.set_state("2026", "open")
        _kiosk, code = kiosks.create_kiosk("Comptoir 1", "Ahuntsic", ("comptoir",), kiosks.KioskSettings(), "246813")
    token = app.test_client().post("/api/v1/kiosks/enroll", json={"code": code}).get_json()["token"]
    return app, token


def test_the_api_answers_its_own_contract_without_a_server_error(served):
    app, token = served
    api = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) >= 10
    for operation, mode in itertools.product(operations, [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]):
        raw = operation.definition.raw
        if mode is GenerationMode.NEGATIVE and not (raw.get("requestBody") or raw.get("parameters")):
            continue  # nothing in the request can break its schema
        headers = {"Authorization": f"Bearer {token}"} if raw.get("security") else {}

        @settings(max_examples=30, derandomize=True, database=None, deadline=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=mode))
        def call(case):
            # called at once, inside this turn of the loop: the loop variables are the current ones
            case.call_and_validate(headers=headers, checks=[not_a_server_error])  # noqa: B023
            TALLY[f"schemathesis {mode.value} cases"] += 1  # noqa: B023

        call()
    TALLY["schemathesis operations"] += len(operations)
