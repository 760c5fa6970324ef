"""Regressions found in review of the foundation (accounts)."""

import pytest
from django.contrib.auth import authenticate

from redprop.accounts.services import user_create
from redprop.conftest import PASSWORD
from redprop.people.services import person_create

pytestmark = pytest.mark.django_db


def test_shared_mobile_does_not_log_anyone_in(world):
    twin = person_create(name="同号人", mobile="13812341234", acting_user=None)
    user_create(username="twin", password=PASSWORD, person=twin, acting_user=None)
    assert authenticate(username="13812341234", password=PASSWORD) is None
    assert authenticate(username="t_resident", password=PASSWORD) == world.users["resident"]
