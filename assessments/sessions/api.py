"""Sites and sessions over the API, with the scopes, access decisions and validation of the pages
(the same selectors and services), and the helpers the pipeline's API shares (pagination, bulk
rows: they go through the same row validators as uploaded files, all or nothing)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_pagination import PaginatedListMixin
from accounts.models import Province
from assessments.sessions import selectors
from assessments.sessions import services as session_services
from assessments.sessions.forms import SessionFilter
from certificates.catalog.models import Certificate, Level
from core import api_fields
from core.errors import AppError, NotInScope
from core.tabular.schema import MAX_ROWS
from organizations.institutions.models import Institution


def _rows(records: list) -> list:
    if len(records) > MAX_ROWS:
        raise AppError(_("一次最多提交 %(n)s 行，请分批提交。") % {"n": f"{MAX_ROWS:,}"}, code="too_many_rows")
    return records


class BulkRows(serializers.Serializer):
    rows = serializers.ListField(child=serializers.DictField(), allow_empty=False)


class SiteOutput(serializers.Serializer):
    id = serializers.IntegerField()
    org = serializers.IntegerField(source="org_id")
    code = serializers.CharField()
    name = serializers.CharField()
    province = serializers.CharField(source="province_id")
    city = serializers.CharField()
    address = serializers.CharField()
    institution = serializers.IntegerField(source="institution_id", allow_null=True)
    active = serializers.BooleanField()


class SiteListCreateApi(PaginatedListMixin, APIView):
    class SiteCreateInput(serializers.Serializer):
        code = api_fields.CodeField(max_length=8)
        name = serializers.CharField(max_length=128)
        province = api_fields.CodeField(max_length=2, help_text="省份代码，如 42")
        city = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
        address = serializers.CharField(max_length=200)
        institution = api_fields.IntegerField(required=False, allow_null=True, default=None)

    @extend_schema(responses=SiteOutput(many=True), summary="考点列表（按范围）")
    def get(self, request):
        return self.paginated(selectors.sites_visible(request.actor), SiteOutput)

    @extend_schema(request=SiteCreateInput, responses={201: SiteOutput}, summary="培训评价组织登记考点")
    def post(self, request):
        data = self.SiteCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values["province"] = Province.objects.filter(pk=values["province"]).first()
        institution_id = values.pop("institution")
        values["institution"] = Institution.objects.filter(pk=institution_id).first() if institution_id else None
        site = session_services.site_create(actor=request.actor, **values)
        return Response(SiteOutput(site).data, status=status.HTTP_201_CREATED)


class SessionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    org = serializers.IntegerField(source="org_id")
    org_name = serializers.CharField(source="org.name")
    certificate = serializers.CharField(source="certificate.code")
    certificate_name = serializers.CharField(source="certificate.name")
    level = serializers.CharField()
    assessment_type = serializers.CharField()
    site = serializers.IntegerField(source="site_id")
    site_code = serializers.CharField(source="site.code")
    site_name = serializers.CharField(source="site.name")
    province = serializers.CharField(source="province_id")
    date = serializers.DateField()
    start_time = serializers.TimeField(allow_null=True)
    capacity = serializers.IntegerField()
    status = serializers.CharField()
    finalized_at = serializers.DateTimeField(allow_null=True)


class SessionListCreateApi(PaginatedListMixin, APIView):
    class SessionCreateInput(serializers.Serializer):
        certificate = api_fields.CodeField(help_text="证书代码")
        level = serializers.ChoiceField(choices=Level.values)
        site = api_fields.IntegerField(help_text="本组织的考点 id")
        date = serializers.DateField()
        start_time = serializers.TimeField(required=False, allow_null=True, default=None)
        capacity = api_fields.IntegerField()
        examiners = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(responses=SessionOutput(many=True),
                   summary="考核批次列表（组织：本组织；省级：本省；院校和学生：正在报名的及本人/本校参加的）")
    def get(self, request):
        filterset = SessionFilter(request.query_params, queryset=selectors.sessions_visible(request.actor))
        return self.paginated(filterset.qs.order_by("-date", "-pk"), SessionOutput)

    @extend_schema(request=SessionCreateInput, responses={201: SessionOutput}, summary="培训评价组织安排考核批次")
    def post(self, request):
        data = self.SessionCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        certificate = Certificate.objects.filter(code=values.pop("certificate")).first()
        if certificate is None:
            raise AppError(_("证书代码不在证书目录中。"), field="certificate")
        site_id = values.pop("site")
        site = selectors.sites_usable(request.actor).filter(pk=site_id).first()
        if site is None and selectors.sessions_page_access(request.actor).schedule:
            raise NotInScope(_("考点不存在或不属于本组织。"))
        session = session_services.session_create(actor=request.actor, certificate=certificate, site=site, **values)
        return Response(SessionOutput(selectors.session_access(request.actor, session.pk).obj).data,
                        status=status.HTTP_201_CREATED)


class SessionDetailApi(APIView):
    @extend_schema(responses=SessionOutput, summary="考核批次详情")
    def get(self, request, pk: int):
        return Response(SessionOutput(selectors.session_access(request.actor, pk).obj).data)
