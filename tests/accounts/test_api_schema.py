"""What the OpenAPI schema documents beyond the serializers (accounts/api_schema.py, api_pagination.py)."""

import pytest

from accounts.api_schema import ERROR_COMPONENT

ERROR_REF = {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}


@pytest.fixture
def schema(client, db):
    return client.get("/api/schema/?format=json").json()


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_every_operation_documents_the_json_error_answers(schema):
    for path, method, operation in _operations(schema):
        responses = operation["responses"]
        expected = {"400", "401", "403", "404", "429"} | ({"413", "415"} if "requestBody" in operation else set())
        assert expected <= set(responses), (method, path)
        for status in expected:
            assert responses[status]["content"]["application/json"]["schema"] == ERROR_REF, (method, path, status)
        assert "Retry-After" in responses["429"]["headers"]
        if "requestBody" not in operation:
            assert not {"413", "415"} & set(responses), (method, path)


def test_the_error_shape_covers_an_application_error_and_field_errors(schema):
    import jsonschema_rs

    component = schema["components"]["schemas"][ERROR_COMPONENT]
    validator = jsonschema_rs.validator_for(component)
    assert validator.is_valid({"detail": "只能选择本省的院校联盟。", "code": "invalid", "field": "alliance"})
    assert validator.is_valid({"detail": "未找到。"})
    # A field named like the application error's own keys still carries a list of messages.
    assert validator.is_valid({"code": ["该字段是必填项。"], "levels": {"1": {"full_mark": ["请填写合法的数字。"]}}})
    assert not validator.is_valid(["not an object"])


def test_a_list_is_documented_as_the_page_it_answers(schema):
    operation = schema["paths"]["/api/v1/sessions"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"limit", "offset"}
    page = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert set(schema["components"]["schemas"][page]["properties"]) == {"count", "next", "previous", "results"}


def test_an_answer_of_several_shapes_is_documented_as_any_of_them(schema):
    assert schema["components"]["schemas"]["Org"] == {"anyOf": [
        {"$ref": "#/components/schemas/OrgFull"}, {"$ref": "#/components/schemas/OrgPublic"}]}
    detail = schema["paths"]["/api/v1/complaints/{id}"]["get"]["responses"]["200"]["content"]
    assert detail["application/json"]["schema"] == {"$ref": "#/components/schemas/ComplaintDetail"}


def test_a_time_of_day_is_documented_without_a_utc_offset(schema):
    start = schema["components"]["schemas"]["SessionOutput"]["properties"]["start_time"]
    assert "format" not in start
    import re

    assert re.fullmatch(start["pattern"], "14:00:00")
    assert re.fullmatch(start["pattern"], "08:30")


def test_fields_that_can_be_empty_are_documented_nullable(schema):
    components = schema["components"]["schemas"]
    assert components["InstitutionOutput"]["properties"]["alliance_name"]["nullable"] is True
    assert components["IssuedOutput"]["properties"]["institution"]["nullable"] is True
