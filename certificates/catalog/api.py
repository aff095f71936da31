"""The catalog and selection batches over the API (/api/v1/). The catalog and the batch figures
are public reads; every write is the ministry's, except an org's own online application."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.authentication import TokenAuthentication
from rest_framework.permissions import SAFE_METHODS
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from accounts.api_authentication import SessionAuthentication
from accounts.api_permissions import IsVerifiedUser
from certificates.catalog import selectors, services
from certificates.catalog.filters import CertificateFilter
from certificates.catalog.models import AssessmentType, Certificate, Level, SelectionBatch
from core import api_fields, ratelimit
from organizations.orgs.models import Org

# Token first, so that an anonymous write is told to authenticate (401), not refused (403).
AUTHENTICATION = [TokenAuthentication, SessionAuthentication]


class PublicReadVerifiedWrite(IsVerifiedUser):
    """Anyone reads; a write needs a verified user (the service then checks the role)."""

    def has_permission(self, request, view):
        return request.method in SAFE_METHODS or super().has_permission(request, view)


class PublicThrottle(AnonRateThrottle):
    """Anonymous readers share the "anon" rate; signed-in users are not throttled here. Counted by
    ``accounts.ratelimit`` like every other limit (one round trip; per process while Redis is down),
    and a refusal says when to come back (DRF answers 429 with Retry-After from ``wait``)."""

    def allow_request(self, request, view):
        if self.rate is None or (request.user and request.user.is_authenticated):
            return True
        count = ratelimit.hit(f"throttle:{self.scope}:{self.get_ident(request)}", window=self.duration)
        self.retry_after = count.retry_after
        return count.hits <= self.num_requests

    def wait(self):
        return self.retry_after


class LevelOutput(serializers.Serializer):
    level = serializers.CharField()
    level_label = serializers.CharField(source="get_level_display")
    assessment_type = serializers.CharField()
    assessment_type_label = serializers.CharField(source="get_assessment_type_display")
    full_mark = serializers.DecimalField(max_digits=5, decimal_places=1)
    pass_mark = serializers.DecimalField(max_digits=5, decimal_places=1)


class LevelInput(serializers.Serializer):
    level = serializers.ChoiceField(choices=Level.choices)
    assessment_type = serializers.ChoiceField(choices=AssessmentType.choices, required=False)
    assessment_types = serializers.ListField(
        child=serializers.CharField(), required=False,
        help_text="由多个部分组成时列出各部分（取值同 assessment_type），按成本最高者计")
    full_mark = api_fields.DecimalField(max_digits=None, decimal_places=None, required=False)
    pass_mark = api_fields.DecimalField(max_digits=None, decimal_places=None, required=False)


class OrgBrief(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CertificateOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    org = OrgBrief()
    field = serializers.CharField()
    batch = serializers.IntegerField(source="batch.number")
    batch_name = serializers.CharField(source="batch.name")
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    status_changed_at = serializers.DateTimeField(allow_null=True)
    replaced_by = serializers.CharField(source="replaced_by.code", allow_null=True, default=None)
    levels = LevelOutput(many=True, source="levels.all")


class CertificateDetailOutput(CertificateOutput):
    class MajorOutput(serializers.Serializer):
        major_code = serializers.CharField()
        major_name = serializers.CharField()

    description = serializers.CharField()
    majors = MajorOutput(many=True, source="majors.all")
    standard_url = serializers.SerializerMethodField()

    def get_standard_url(self, certificate) -> str | None:
        standard = next(iter(certificate.standards.all()), None)
        return reverse("certificates:standard_download", args=[standard.pk]) if standard else None


class MajorInput(serializers.Serializer):
    major_code = api_fields.CodeField(required=False, allow_blank=True, default="")
    major_name = serializers.CharField()


def _majors(data):
    return None if data is None else [(m.get("major_code", ""), m["major_name"]) for m in data]


class CertificateListApi(generics.ListAPIView):
    """GET: the public catalog with the page's filters; POST: the ministry registers a certificate."""

    authentication_classes = AUTHENTICATION
    permission_classes = [PublicReadVerifiedWrite]
    throttle_classes = [PublicThrottle]
    serializer_class = CertificateOutput
    filterset_class = CertificateFilter

    class CertificateCreateInput(serializers.Serializer):
        code = api_fields.CodeField()
        name = serializers.CharField()
        org = serializers.PrimaryKeyRelatedField(queryset=Org.objects.all())
        batch = serializers.SlugRelatedField(slug_field="number", queryset=SelectionBatch.objects.all())
        field = serializers.CharField()
        levels = LevelInput(many=True)
        majors = MajorInput(many=True, required=False)
        description = serializers.CharField(required=False, allow_blank=True, default="")

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no actor
            return Certificate.objects.none()
        return selectors.certificates_visible(self.request.actor)

    @extend_schema(summary="证书目录（公开，可筛选）")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(summary="登记证书（教育部）", request=CertificateCreateInput, responses={201: CertificateDetailOutput})
    def post(self, request):
        data = self._valid(self.CertificateCreateInput, request.data)
        certificate = services.certificate_create(
            actor=request.actor, code=data["code"], name=data["name"], org=data["org"], batch=data["batch"],
            field=data["field"], levels=data["levels"], majors=_majors(data.get("majors")) or (),
            description=data["description"])
        return Response(CertificateDetailOutput(selectors.certificate_detail(certificate.code, actor=request.actor)).data,
                        status=status.HTTP_201_CREATED)

    @staticmethod
    def _valid(serializer_class, data, **kwargs):
        serializer = serializer_class(data=data, **kwargs)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class CertificateDetailApi(APIView):
    """GET: one certificate (public); PATCH: the ministry edits it."""

    authentication_classes = AUTHENTICATION
    permission_classes = [PublicReadVerifiedWrite]
    throttle_classes = [PublicThrottle]

    class CertificateUpdateInput(serializers.Serializer):
        code = api_fields.CodeField(required=False)
        name = serializers.CharField(required=False)
        org = serializers.PrimaryKeyRelatedField(queryset=Org.objects.all(), required=False)
        batch = serializers.SlugRelatedField(slug_field="number", queryset=SelectionBatch.objects.all(), required=False)
        field = serializers.CharField(required=False)
        levels = LevelInput(many=True, required=False)
        majors = MajorInput(many=True, required=False)
        description = serializers.CharField(required=False, allow_blank=True)

    @extend_schema(summary="证书详情（公开）", responses=CertificateDetailOutput)
    def get(self, request, code: str):
        return Response(CertificateDetailOutput(selectors.certificate_detail(code, actor=request.actor)).data)

    @extend_schema(summary="修改证书（教育部）", request=CertificateUpdateInput, responses=CertificateDetailOutput)
    def patch(self, request, code: str):
        certificate = selectors.certificate_get(code, actor=request.actor)
        serializer = self.CertificateUpdateInput(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data["majors"] = _majors(data.get("majors"))
        certificate = services.certificate_update(actor=request.actor, certificate=certificate, **data)
        return Response(CertificateDetailOutput(selectors.certificate_detail(certificate.code, actor=request.actor)).data)
