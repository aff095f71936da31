"""Assessment plans and planning windows over the API (/api/v1/), with the scopes and the row
validation of the pages: an org submits its plan as rows; any wrong row and nothing is saved."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_pagination import PaginatedListMixin
from accounts.middleware import bulk_body
from assessments.plans import selectors
from assessments.plans import services as plans
from assessments.plans.imports import PLAN_SCHEMA
from core import api_fields
from core.errors import AppError


class PlanRowOutput(serializers.Serializer):
    month = serializers.IntegerField()
    province = serializers.CharField(source="province_id")
    certificate = serializers.CharField(source="certificate.code")
    certificate_name = serializers.CharField(source="certificate.name")
    level = serializers.CharField()
    planned_candidates = serializers.IntegerField()
    planned_sessions = serializers.IntegerField()


class PlanOutput(serializers.Serializer):
    id = serializers.IntegerField()
    org = serializers.IntegerField(source="org_id")
    org_name = serializers.CharField(source="org.name")
    year = serializers.IntegerField()
    version = serializers.IntegerField()
    current = serializers.BooleanField(source="is_current")
    source = serializers.CharField()
    first_month = serializers.IntegerField()
    last_month = serializers.IntegerField()
    total_candidates = serializers.IntegerField()
    total_sessions = serializers.IntegerField()
    submitted_at = serializers.DateTimeField()
    superseded_at = serializers.DateTimeField(allow_null=True)


class PlanDetailOutput(PlanOutput):
    warnings = serializers.SerializerMethodField()
    rows = serializers.SerializerMethodField()

    def get_warnings(self, obj) -> list[dict]:
        return selectors.plan_warnings(self.context["actor"], obj)

    def get_rows(self, obj) -> list[dict]:
        return PlanRowOutput(selectors.plan_rows(self.context["actor"], obj), many=True).data


@bulk_body
class PlanListCreateApi(PaginatedListMixin, APIView):
    class PlanSubmitInput(serializers.Serializer):
        year = api_fields.IntegerField()
        # Checked by the plan row validator (a Chinese message per row and column), as a file is.
        rows = serializers.ListField(child=serializers.DictField(), allow_empty=False,
                                     help_text="每行的键：month（如 9）、province（省份名称或代码）、"
                                               "certificate（证书代码或名称）、"
                                               "level（junior/intermediate/senior 或 初级/中级/高级）、"
                                               "planned_candidates、"
                                               "planned_sessions")

    @extend_schema(responses=PlanOutput(many=True), summary="考核计划列表（按范围；可按 year、current=1 筛选）")
    def get(self, request):
        qs = selectors.plans_visible(request.actor).order_by("-year", "org__name", "-version")
        year = request.query_params.get("year", "")
        if year.isdigit():
            qs = qs.filter(year=int(year))
        if request.query_params.get("current") == "1":
            qs = qs.filter(superseded_at__isnull=True)
        return self.paginated(qs, PlanOutput)

    @extend_schema(request=PlanSubmitInput, responses={201: PlanDetailOutput},
                   summary="培训评价组织提交考核计划（新版本替代当前版本；任一行有错误则全部不保存）")
    def post(self, request):
        data = self.PlanSubmitInput(data=request.data)
        data.is_valid(raise_exception=True)
        records = data.validated_data["rows"]
        if len(records) > PLAN_SCHEMA.max_rows:
            raise AppError(_("一次最多提交 %(n)s 行。") % {"n": f"{PLAN_SCHEMA.max_rows:,}"}, code="too_many_rows")
        outcome = plans.plan_submit_records(actor=request.actor, year=data.validated_data["year"], records=records)
        body = PlanDetailOutput(selectors.plan_get(request.actor, outcome.plan.pk), context={"actor": request.actor}).data
        return Response(body, status=status.HTTP_201_CREATED)


class PlanDetailApi(APIView):
    @extend_schema(responses=PlanDetailOutput, summary="考核计划详情（省级只返回本省的行）")
    def get(self, request, pk: int):
        plan = selectors.plan_get(request.actor, pk)
        return Response(PlanDetailOutput(plan, context={"actor": request.actor}).data)


class PlanningWindowApi(APIView):
    class WindowOutput(serializers.Serializer):
        year = serializers.IntegerField()
        first_month = serializers.IntegerField()
        last_month = serializers.IntegerField()

    class WindowInput(serializers.Serializer):
        first_month = api_fields.IntegerField()
        last_month = api_fields.IntegerField()

    @extend_schema(responses=WindowOutput, summary="某年度考核计划时间窗口（未设置时为 9 月至 12 月）")
    def get(self, request, year: int):
        selectors.plans_visible(request.actor)  # the same readers as the plans
        return Response(self.WindowOutput(selectors.planning_window(year)).data)

    @extend_schema(request=WindowInput, responses=WindowOutput, summary="教育部设置某年度考核计划时间窗口")
    def put(self, request, year: int):
        data = self.WindowInput(data=request.data)
        data.is_valid(raise_exception=True)
        window = plans.planning_window_set(actor=request.actor, year=year, **data.validated_data)
        return Response(self.WindowOutput(window).data)
