from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from certificates.issuance import open_badges, selectors
from certificates.verification import services as verification
from core import api_fields
from core.errors import NotInScope


class VerdictOutput(serializers.Serializer):
    found = serializers.BooleanField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    number = api_fields.CodeField()
    masked_name = serializers.CharField()
    certificate = serializers.CharField()
    level = serializers.CharField()
    org = serializers.CharField()
    issued_on = serializers.DateField(allow_null=True)
    version = serializers.IntegerField()
    revoked_reason = serializers.CharField()


class PublicApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]  # machines' API: no browsable page to negotiate for each call


class VerifyApi(PublicApi):
    class VerifyQuerySerializer(serializers.Serializer):
        name = serializers.CharField(required=False, allow_blank=True, max_length=64)
        id_last4 = serializers.CharField(required=False, allow_blank=True, max_length=4)
        token = serializers.CharField(required=False, allow_blank=True, max_length=32)

    @extend_schema(summary="公开查验证书（编号 + 姓名、证件号后四位或二维码令牌）", parameters=[VerifyQuerySerializer],
                   responses=VerdictOutput, auth=[])
    def get(self, request, number: str):
        verdict = verification.certificate_verify(number=number, client=request.META.get("REMOTE_ADDR", ""),
                                                  **self.query(request.GET))
        return HttpResponse(_verdict_json(verdict), content_type=JSONRenderer.media_type)

    def dispatch(self, request, *args, **kwargs):
        """GET is the public hot path (bench/bench_issuance_scale.py): with nothing to authenticate,
        permit or negotiate (no authentication, AllowAny, JSON only) it skips DRF's request wrapping
        and policy checks; errors are answered by the API's exception handler as everywhere."""
        if request.method != "GET":
            return super().dispatch(request, *args, **kwargs)
        self.args, self.kwargs, self.request, self.headers = args, kwargs, request, self.default_response_headers
        request.accepted_renderer, request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
        try:
            response = self.get(request, *args, **kwargs)
        except Exception as exc:
            response = self.handle_exception(exc)
        self.response = self.finalize_response(request, response, *args, **kwargs)
        return self.response

    @classmethod
    def query(cls, params) -> dict[str, str]:
        """The query's secrets. Plain values (within the serializer's lengths, no NUL or lone surrogate)
        are taken as they are, as the serializer would take them: building it costs about a fifth of a
        lookup (hot path); anything else goes through it, for its errors."""
        values = {name: params[name] for name in cls.QUERY_LENGTHS if name in params}
        if any(len(value) > cls.QUERY_LENGTHS[name] or not _plain(value) for name, value in values.items()):
            serializer = cls.VerifyQuerySerializer(data=params)
            serializer.is_valid(raise_exception=True)
            return serializer.validated_data
        return values


VerifyApi.QUERY_LENGTHS = {name: field.max_length for name, field in VerifyApi.VerifyQuerySerializer().fields.items()}


_VERDICT_JSON_MAX = 10_000
_verdict_json_kept: dict[verification.Verdict, bytes] = {}


def _verdict_json(verdict: verification.Verdict) -> bytes:
    """The verdict as the JSON renderer writes it, kept per verdict in this process (hot path: a
    verdict is immutable, and the same few are asked for again and again). A verdict's text is in
    the request's language, so each language's answer is kept apart."""
    body = _verdict_json_kept.get(verdict)
    if body is None:
        if len(_verdict_json_kept) >= _VERDICT_JSON_MAX:
            _verdict_json_kept.clear()
        body = _verdict_json_kept[verdict] = JSONRenderer().render(verdict.as_dict())
    return body


def _plain(value: str) -> bool:
    return "\x00" not in value and not any("\ud800" <= char <= "\udfff" for char in value)


class VerifyPdfApi(PublicApi):
    parser_classes = [MultiPartParser]

    class VerifyPdfInputSerializer(serializers.Serializer):
        pdf = serializers.FileField()

    class PdfVerdictSerializer(VerdictOutput):
        genuine = serializers.BooleanField()
        reason = serializers.CharField()

    @extend_schema(summary="上传电子证书 PDF，校验签名是否真实、未篡改及证书状态", request=VerifyPdfInputSerializer,
                   responses=PdfVerdictSerializer, auth=[])
    def post(self, request):
        data = self.VerifyPdfInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = verification.certificate_verify_pdf(upload=data.validated_data["pdf"],
                                                     client=request.META.get("REMOTE_ADDR", ""))
        return Response(result.as_dict())


class VerifyOfdApi(PublicApi):
    parser_classes = [MultiPartParser]

    class VerifyOfdInputSerializer(serializers.Serializer):
        ofd = serializers.FileField()

    @extend_schema(summary="上传 OFD 电子证书，校验电子签章是否真实、未篡改及证书状态", request=VerifyOfdInputSerializer,
                   responses=VerifyPdfApi.PdfVerdictSerializer, auth=[])
    def post(self, request):
        data = self.VerifyOfdInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = verification.certificate_verify_ofd(upload=data.validated_data["ofd"],
                                                     client=request.META.get("REMOTE_ADDR", ""))
        return Response(result.as_dict())


class CredentialApi(APIView):
    class CredentialExportSerializer(serializers.Serializer):
        jwt = serializers.CharField()
        credential = serializers.JSONField()

    @extend_schema(summary="导出 Open Badges 3.0 可验证凭证（VC-JWT，ES256）", responses=CredentialExportSerializer)
    def get(self, request, number: str):
        access = selectors.issued_certificate_access(actor=request.actor, number=number)
        if not access.may.export_credential:
            raise NotInScope()
        token, body = open_badges.credential_jwt(access.obj)
        return Response({"jwt": token, "credential": body})


class IssuerApi(PublicApi):
    @extend_schema(summary="签发方（平台）信息", responses=OpenApiTypes.OBJECT, auth=[])
    def get(self, request):
        return Response(open_badges.issuer_profile())


class IssuerJwksApi(PublicApi):
    @extend_schema(summary="签发方公钥（JWKS），用于验证 VC-JWT", responses=OpenApiTypes.OBJECT, auth=[])
    def get(self, request):
        return Response({"keys": [open_badges.issuer_jwk()]})
