import pytest

from redprop.core.errors import ApplicationError
from redprop.people.validation import clean_id_number, clean_mobile


@pytest.mark.parametrize(
    "value", ["11010519491231002X", "11010519491231002x", " 450105201506010022 "]
)
def test_valid_id_numbers(value):
    assert clean_id_number(value) == value.strip().upper()


@pytest.mark.parametrize(
    "value",
    ["110105194912310021", "11010519491231002", "1101051949123100XX", "110105194913310029", ""],
)
def test_invalid_id_numbers(value):
    with pytest.raises(ApplicationError) as exc:
        clean_id_number(value)
    assert exc.value.code == "invalid_id_number"
    assert exc.value.field == "id_number"


@pytest.mark.parametrize("value", ["13812341234", "+86 138 1234 1234", "138-1234-1234"])
def test_valid_mobiles(value):
    assert clean_mobile(value) == "13812341234"


@pytest.mark.parametrize(
    "value", ["12345", "02787654321", "+1 650 253 0000", "1381234123x", "10012341234"]
)
def test_invalid_mobiles(value):
    with pytest.raises(ApplicationError) as exc:
        clean_mobile(value)
    assert exc.value.code == "invalid_mobile"


@pytest.mark.django_db
def test_api_bad_id_number_writes_nothing(world):
    from redprop.people.models import Person

    before = Person.objects.count()
    resp = world.client("community_staff").post(
        "/api/v1/people",
        {"name": "赵六", "id_number": "110105194912310021"},
        content_type="application/json",
    )
    assert resp.status_code == 400
    assert resp.json() == {
        "code": "invalid_id_number",
        "message": "身份证号码无效，请核对后重新输入",
        "field": "id_number",
    }
    assert Person.objects.count() == before


@pytest.mark.django_db
def test_api_bad_mobile_and_malformed_json(world):
    c = world.client("community_staff")
    resp = c.post(
        "/api/v1/people", {"name": "赵六", "mobile": "123"}, content_type="application/json"
    )
    assert resp.status_code == 400
    assert resp.json()["field"] == "mobile"
    resp = c.post("/api/v1/people", "{not json", content_type="application/json")
    assert resp.status_code == 400
    assert resp.json()["code"] == "validation_error"
    resp = c.post("/api/v1/people", {"name": 5, "tags": "x"}, content_type="application/json")
    assert resp.status_code == 400


@pytest.mark.django_db
def test_api_create_person_refused_for_other_roles(world):
    for role in ("resident", "maintenance_worker", "unit_staff", "nobody"):
        resp = world.client(role).post(
            "/api/v1/people", {"name": "赵六"}, content_type="application/json"
        )
        assert resp.status_code == 403, role
