"""What a new user stumbled on in the dashboards and reports (issue #18)."""

from __future__ import annotations

import re

import pytest

from redprop.dashboards.selectors import grid_names, names_for
from redprop.territory import services as territory

pytestmark = pytest.mark.django_db


def test_grids_of_several_communities_are_named_with_their_community(world):
    """A street's grid table listed "第二网格" twice (grids of two communities)."""
    other = territory.region_create(
        level="community", name="稻香社区", code="T1-1-1-2", parent=world.street, acting_user=None
    )
    twin = territory.grid_create(community=other, name="第二网格", code="G2B", acting_user=None)
    names = names_for("grid", [world.grid_2.pk, twin.pk])
    assert names == {world.grid_2.pk: "红星社区 第二网格", twin.pk: "稻香社区 第二网格"}
    assert len(set(names.values())) == 2
    # Inside one community the grid's own name is enough.
    assert grid_names([world.grid.pk, world.grid_2.pk]) == {
        world.grid.pk: "第一网格",
        world.grid_2.pk: "第二网格",
    }


def selected_node(page: str) -> str:
    m = re.search(r'<select id="r-node".*?</select>', page, re.S)
    assert m
    chosen = re.search(r'<option value="(\d+)" selected>', m.group(0))
    return chosen.group(1) if chosen else ""


def test_the_report_page_preselects_the_only_place(world):
    page = world.client("community_staff").get("/reports/").content.decode()
    assert selected_node(page) == str(world.community.pk)


def test_the_report_page_preselects_the_officers_own_street(world):
    page = world.client("street_officer").get("/reports/").content.decode()
    assert selected_node(page) == str(world.street.pk)


def test_the_report_page_leaves_a_city_wide_choice_open(world):
    page = world.client("sysadmin").get("/reports/").content.decode()
    assert selected_node(page) == ""
