"""What the OpenAPI schema says beyond what drf-spectacular reads from the serializers, in one place.

- The error answers, documented once for every operation. Every error the API gives is JSON
  (``accounts.api_errors`` maps the application error and DRF's own errors), in one of two shapes:
  an application error ``{"detail": message in Chinese, "code", "field", "errors"}``, or a refused
  form's errors by field ``{"field": ["message", ...]}``. A drf-spectacular postprocessing hook adds
  these answers to every operation that does not document them itself, so that the schema names
  every status code a client can meet.
- ``AnyOf``: an answer that takes one of several shapes, e.g. an org's full record for the ministry
  and the org itself, its public facts for everyone else. (drf-spectacular's PolymorphicProxySerializer
  says oneOf, which a full record, having the public fields too, would break.)
- Times of day (``TimeField``) are local wall-clock times such as ``14:00:00``: documented by a
  pattern, not JSON Schema's ``time`` format, which requires a UTC offset.
"""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.serializers import PolymorphicProxySerializerExtension
from drf_spectacular.utils import PolymorphicProxySerializer

ERROR_COMPONENT = "Error"

_DETAILS = {"anyOf": [{"type": "array", "items": {}}, {"type": "object"}]}
ERROR_SCHEMA = {
    "description": "错误说明，两种形式之一：应用错误 {detail: 中文说明, code: 错误代码, field: 出错的字段, errors: 明细}；"
                   "表单校验失败时按字段给出错误 {\"字段\": [\"说明\"]}（嵌套字段为对象）。",
    "anyOf": [
        {"type": "object", "required": ["detail"], "properties": {
            "detail": {"type": "string"}, "code": {"type": "string"}, "field": {"type": "string"}, "errors": _DETAILS}},
        {"type": "object", "additionalProperties": _DETAILS},
    ],
}

# status -> (description, only for operations that take a request body). The API documentation is
# in Chinese, like the operations' summaries.
ERROR_RESPONSES = {
    "400": ("请求无效：参数或请求体不符合要求，或业务规则不允许。", False),
    "401": ("未认证：缺少或无效的令牌。", False),
    "403": ("无权执行此操作（含未完成双因素认证）。", False),
    "404": ("未找到，或不在您的范围内。", False),
    "413": ("请求体过大。", True),
    "415": ("不支持请求体的媒体类型（Content-Type）。", True),
    "429": ("请求过于频繁，请稍后再试（Retry-After 给出等待秒数）。", False),
}


def document_errors(result, generator, request, public):
    """Postprocessing hook (SPECTACULAR_SETTINGS): the JSON error answers on every operation."""
    result.setdefault("components", {}).setdefault("schemas", {})[ERROR_COMPONENT] = ERROR_SCHEMA
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            responses = operation.setdefault("responses", {})
            for status, (description, needs_body) in ERROR_RESPONSES.items():
                if needs_body and "requestBody" not in operation:
                    continue
                response = responses.setdefault(status, {"description": description})
                response.setdefault("content", {
                    "application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}}})
                if status == "429":
                    response.setdefault("headers", {"Retry-After": {
                        "description": "再次请求前应等待的秒数", "schema": {"type": "integer"}}})
    return result


class AnyOf(PolymorphicProxySerializer):
    """For ``@extend_schema`` only: the answer is one of ``serializers`` (documented as anyOf)."""

    def __init__(self, component_name, serializers, resource_type_field_name=None, **kwargs):
        super().__init__(component_name=component_name, serializers=serializers,
                         resource_type_field_name=resource_type_field_name, **kwargs)


class AnyOfExtension(PolymorphicProxySerializerExtension):
    target_class = AnyOf
    priority = 1

    def map_serializer(self, auto_schema, direction):
        schema = super().map_serializer(auto_schema, direction)
        return {"anyOf": schema.pop("oneOf"), **schema}


class TimeOfDayExtension(OpenApiSerializerFieldExtension):
    target_class = "rest_framework.fields.TimeField"
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        schema = {"type": "string", "pattern": r"^\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?$", "example": "14:00:00"}
        if self.target.allow_null:
            schema["nullable"] = True
        return schema
