"""The clock's sweeps come from a registry the apps fill (core imports no app)."""

import pytest

from redprop.core import sweeps

pytestmark = pytest.mark.django_db


def test_every_apps_sweep_is_registered_and_runs_once_per_pass():
    names = [name for name, _fn in sweeps.sweeps()]
    # The requests' own first, then the mechanisms' in INSTALLED_APPS order.
    assert names[:2] == ["sla", "closed"]
    assert {"mediation", "notices_expired", "fee_reminders"} <= set(names)
    from redprop.requests.management.commands.run_clock import one_pass

    result = one_pass()
    assert set(result) == set(names)
    assert all(isinstance(v, int) for v in result.values())
