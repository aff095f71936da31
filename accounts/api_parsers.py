"""The API's JSON parser: every JSON body the API takes is an object.

Views read named fields from ``request.data``; a body that parses to a list, a string or a number
(``[null]``, ``[1]``, ``"x"``) is refused here with a 400 and a Chinese message, for every endpoint at
once, instead of reaching a view that iterates it as if it were an object (a 500).
"""

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class JSONObjectParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except ParseError:
            raise ParseError(_("请求内容不是有效的 JSON，请检查格式（如引号、逗号、括号是否成对）。")) from None
        if not isinstance(data, dict):
            raise ParseError(_("请求内容应为 JSON 对象（以 { 开头的“字段: 值”形式），收到的是%(kind)s。") % {
                "kind": _json_kind(data)})
        return data


def _json_kind(value) -> str:
    if isinstance(value, list):
        return _("数组")
    if isinstance(value, str):
        return _("字符串")
    if value is None:
        return "null"
    if isinstance(value, bool):
        return _("布尔值")
    return _("数字")
