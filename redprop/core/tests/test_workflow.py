"""The shared workflow table and runner (core.workflow), on a model of the project."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from redprop.core.errors import Conflict, NotFound, PermissionDenied
from redprop.core.workflow import Workflow, action

OPEN, DONE, VOID = "open", "done", "void"


def _wf(**kwargs):
    return Workflow(
        "demo",
        [
            action("finish", {OPEN}, {DONE}, verb="完成", owner=None),
            action("void", {OPEN, DONE}, {VOID}, owner={OPEN}, clerk=None),
            action("praise", {DONE}, {DONE}, staff_never=True, owner=None),
        ],
        {
            "owner": lambda user, obj: obj.owner == user,
            "clerk": lambda user, obj: user == "clerk",
        },
        state_field="state",
        transitions={OPEN: {DONE, VOID}, DONE: {VOID, DONE}},
        is_staff=lambda user, obj: user == "boss",
        **kwargs,
    )


def test_relationships_follow_the_state_limits():
    wf = _wf()
    obj = SimpleNamespace(owner="ann", state=OPEN)
    assert wf.available("ann", obj) == {"finish": {"owner"}, "void": {"owner"}}
    obj.state = DONE
    # The owner may void only while open; the clerk always.
    assert wf.available("ann", obj) == {"praise": {"owner"}}
    assert wf.available("clerk", obj) == {"void": {"clerk"}}
    assert wf.available("bob", obj) == {}


def test_staff_never_takes_a_staff_never_action_even_as_owner():
    wf = _wf()
    obj = SimpleNamespace(owner="boss", state=DONE)
    assert "praise" not in wf.available("boss", obj)
    with pytest.raises(PermissionDenied):
        wf.authorize("praise", "boss", obj)


def test_authorize_is_403_and_guard_is_409():
    wf = _wf()
    obj = SimpleNamespace(owner="ann", state=DONE)
    with pytest.raises(PermissionDenied):
        wf.authorize("finish", "bob", obj)
    wf.authorize("finish", "ann", obj)  # related: refused only by the state
    with pytest.raises(Conflict) as err:
        wf.guard("finish", "ann", obj, to=DONE)
    assert "完成" in err.value.message


def test_the_system_is_limited_by_the_states_only_and_the_message_is_the_apps():
    """``user=None`` (a clock) needs no relationship; the app words its own 409."""
    wf = _wf(conflict_message="事项当前为“%(status)s”，无法%(verb)s")
    obj = SimpleNamespace(owner="ann", state=OPEN)
    wf.guard("finish", None, obj, to=DONE)  # nobody's relationship, the state allows it
    obj.state = DONE
    with pytest.raises(Conflict) as err:
        wf.guard("finish", None, obj, to=DONE)
    assert err.value.message == "事项当前为“done”，无法完成"


def test_a_row_names_its_input_and_its_url_segment():
    row = action("submit_plan", {OPEN}, {DONE}, input="plan", owner=None)
    assert (row.input, row.path) == ("plan", "submit-plan")
    assert action("x", {OPEN}, {DONE}, path="plan").path == "plan"


def test_check_reports_uncovered_and_extra_edges():
    assert _wf().check() == []
    wf = Workflow(
        "gap",
        [action("finish", {OPEN}, {DONE}, owner=None)],
        {"owner": lambda u, o: True},
        transitions={OPEN: {DONE, VOID}},
    )
    assert wf.check() == ["no action for open → void"]


def test_unknown_relationship_is_refused_when_the_table_is_built():
    with pytest.raises(ValueError, match="unknown relationships"):
        Workflow("bad", [action("x", {OPEN}, {DONE}, nobody=None)], {})


@pytest.mark.django_db
def test_step_locks_guards_sets_state_and_rolls_back_on_error(django_user_model):
    """The runner on a real row: the auth user's ``is_active`` plays the state."""
    wf = Workflow(
        "users",
        [action("deactivate", {"True"}, {"False"}, me=None)],
        {"me": lambda user, obj: user.pk == obj.pk},
        state_field="is_active",
    )
    me = django_user_model.objects.create(username="wf-me")
    other = django_user_model.objects.create(username="wf-other")
    qs = django_user_model.objects.all()
    with pytest.raises(PermissionDenied), wf.step("deactivate", other, qs, me.pk, to="False"):
        pass
    with pytest.raises(NotFound), wf.step("deactivate", me, qs.exclude(pk=me.pk), me.pk):
        pass

    def fail_inside() -> None:
        with wf.step("deactivate", me, qs, me.pk, to="False") as obj:
            obj.first_name = "changed"
            obj.save(update_fields=["first_name"])
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        fail_inside()
    me.refresh_from_db()
    assert me.is_active and me.first_name == ""
