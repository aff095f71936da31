"""Fee verification and payment over the API (/api/v1/fees/…), with the scopes of the pages.

The serializers only parse and shape: every rule (caps, items allowed for a type, two decimals,
who may counter or verify, never more than is due) is in fees.services, every read goes through
fees.selectors — the same functions the pages call."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_pagination import PaginatedListMixin
from accounts.api_permissions import IsVerifiedUser
from certificates.catalog.api import AUTHENTICATION, PublicReadVerifiedWrite, PublicThrottle
from certificates.catalog.models import Level
from core import api_fields
from core.errors import AppError
from fees import selectors, services
from fees.filters import FeeThreadFilter
from fees.models import FeeThread

MONEY = {"max_digits": 14, "decimal_places": 2, "coerce_to_string": True}


class FeeOrgBrief(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


# --- caps -----------------------------------------------------------------------------------

class FeeCapOutput(serializers.Serializer):
    id = serializers.IntegerField()
    assessment_type = serializers.CharField()
    assessment_type_label = serializers.CharField(source="get_assessment_type_display")
    amount = serializers.DecimalField(**MONEY)
    effective_from = serializers.DateField()
    basis = serializers.CharField()


class CapListCreateApi(PaginatedListMixin, APIView):
    authentication_classes = AUTHENTICATION
    permission_classes = [PublicReadVerifiedWrite]
    throttle_classes = [PublicThrottle]

    class FeeCapInput(serializers.Serializer):
        assessment_type = serializers.CharField(help_text="paper、computer、practical_general 或 practical_special")
        amount = api_fields.NumberTextField(help_text="元/人次，最多两位小数，如 \"300.00\"")
        effective_from = serializers.DateField()
        basis = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    @extend_schema(responses=FeeCapOutput(many=True), summary="考核成本上限（“2357”，按版本；公开）")
    def get(self, request):
        return self.paginated(selectors.caps_all(), FeeCapOutput)

    @extend_schema(request=FeeCapInput, responses={201: FeeCapOutput}, summary="设置新的考核成本上限版本（教育部）")
    def post(self, request):
        data = self.FeeCapInput(data=request.data)
        data.is_valid(raise_exception=True)
        cap = services.cost_cap_set(actor=request.actor, **data.validated_data)
        return Response(FeeCapOutput(cap).data, status=status.HTTP_201_CREATED)


# --- verified standards (public) ----------------------------------------------------------------

class FeeItemOutput(serializers.Serializer):
    item = serializers.CharField()
    item_label = serializers.CharField(source="get_item_display")
    amount = serializers.DecimalField(**MONEY)
    basis = serializers.CharField()
    fixed_by_rule = serializers.CharField(source="fixed_by.rule", allow_null=True, default=None)


class FeeStandardLevelOutput(serializers.Serializer):
    level = serializers.CharField()
    effective_from = serializers.DateField()
    effective_until = serializers.DateField(allow_null=True)
    superseded_by = serializers.IntegerField(source="superseded_by_id", allow_null=True,
                                             help_text="自失效日期次日起替代它的核定标准 id")


class FeeStandardOutput(serializers.Serializer):
    id = serializers.IntegerField()
    province = serializers.CharField(source="province_id")
    province_name = serializers.CharField(source="province.name")
    certificate = serializers.CharField(source="certificate.code")
    certificate_name = serializers.CharField(source="certificate.name")
    level = serializers.CharField(help_text="空表示各等级统一")
    org = FeeOrgBrief()
    assessment_type = serializers.CharField()
    amount = serializers.DecimalField(**MONEY)
    cap_amount = serializers.DecimalField(**MONEY)
    effective_from = serializers.DateField()
    effective_until = serializers.DateField(allow_null=True)
    thread = serializers.IntegerField(source="thread_id")
    items = FeeItemOutput(many=True, source="version.items.all")
    levels = FeeStandardLevelOutput(many=True, source="levels.all",
                                    help_text="适用的等级及各自的适用期间（各等级统一的标准每个等级一行）")
    supersedes = serializers.SerializerMethodField(help_text="本标准核定时替代的核定标准 id")

    def get_supersedes(self, standard) -> list[int]:
        return sorted({row.standard_id for row in standard.superseded_levels.all()})


class StandardListApi(PaginatedListMixin, APIView):
    authentication_classes = AUTHENTICATION
    permission_classes = [AllowAny]
    throttle_classes = [PublicThrottle]

    class FeeStandardQuery(serializers.Serializer):
        province = serializers.CharField(required=False, allow_blank=True, default="")
        certificate = serializers.CharField(required=False, allow_blank=True, default="")
        current = serializers.BooleanField(required=False, default=True)

    @extend_schema(parameters=[
        OpenApiParameter("province", OpenApiTypes.STR, description="省份代码，如 42"),
        OpenApiParameter("certificate", OpenApiTypes.STR, description="证书代码或名称"),
        OpenApiParameter("current", OpenApiTypes.BOOL, description="只看现行标准（默认 true）；false 含已被替代的")],
        responses=FeeStandardOutput(many=True), summary="已核定的费用标准（公开）")
    def get(self, request):
        query = self.FeeStandardQuery(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        values = query.validated_data
        rows = (selectors.standards_public(province=values["province"], certificate=values["certificate"].strip(),
                                           current_only=values["current"])
                .prefetch_related("version__items__fixed_by", "levels", "superseded_levels"))
        return self.paginated(rows, FeeStandardOutput)


# --- negotiation threads ------------------------------------------------------------------------

class FeeThreadOutput(serializers.Serializer):
    id = serializers.IntegerField()
    certificate = serializers.CharField(source="certificate.code")
    certificate_name = serializers.CharField(source="certificate.name")
    level = serializers.CharField(help_text="空表示各等级统一")
    province = serializers.CharField(source="province_id")
    province_name = serializers.CharField(source="province.name")
    org = FeeOrgBrief()
    assessment_type = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    opened_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    waiting_days = serializers.IntegerField(allow_null=True, help_text="协商中：自提出起已等待核定的天数")
    version_count = serializers.IntegerField()


class FeeVersionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    author_role = serializers.CharField()
    author_role_label = serializers.CharField(source="get_author_role_display")
    note = serializers.CharField()
    total = serializers.DecimalField(**MONEY)
    cap_amount = serializers.DecimalField(**MONEY)
    created_at = serializers.DateTimeField()
    items = FeeItemOutput(many=True, source="items.all")
    changed = serializers.SerializerMethodField(help_text="与上一版本金额不同的费用项目")

    def get_changed(self, version) -> list[str]:
        return sorted(version.changed)


class FeeThreadDetailOutput(FeeThreadOutput):
    versions = FeeVersionOutput(many=True, source="version_list", help_text="各版本及其逐项金额，changed 标出改动的项目")
    standards = FeeStandardOutput(many=True, source="standard_list")


def _thread_detail(actor, pk: int) -> dict:
    thread = selectors.thread_get(actor, pk)
    thread.version_list = selectors.thread_versions(thread)
    thread.standard_list = list(thread.standards.select_related("certificate", "province", "org")
                                .prefetch_related("version__items__fixed_by", "levels", "superseded_levels"))
    return FeeThreadDetailOutput(thread).data


class FeeItemInput(serializers.Serializer):
    amount = serializers.CharField(help_text="元/人次，最多两位小数")
    basis = serializers.CharField(required=False, allow_blank=True, default="", help_text="测算依据")


class FeeItemsInput(serializers.Serializer):
    items = serializers.DictField(child=FeeItemInput(), help_text='费用项目 -> {amount, basis}，如 {"marking": '
                                                               '{"amount": "40.00", "basis": "每份 2 人阅卷"}}')
    note = serializers.CharField(required=False, allow_blank=True, default="")


def _items(values) -> dict:
    return {key: (item["amount"], item["basis"]) for key, item in values["items"].items()}


class ThreadListApi(PaginatedListMixin, APIView):
    authentication_classes = AUTHENTICATION
    permission_classes = [IsVerifiedUser]

    @extend_schema(parameters=[
        OpenApiParameter("status", OpenApiTypes.STR, enum=FeeThread.Status.values),
        OpenApiParameter("province", OpenApiTypes.STR, description="省份代码"),
        OpenApiParameter("certificate", OpenApiTypes.STR, description="证书代码")],
        responses=FeeThreadOutput(many=True),
        summary="费用标准协商列表（按范围；status=negotiating 即等待核定，含已等待天数）")
    def get(self, request):
        selectors.require_negotiation_reader(request.actor)
        filterset = FeeThreadFilter(request.query_params, queryset=selectors.threads_visible(request.actor))
        if not filterset.is_valid():
            raise AppError(_("筛选条件无效。"), details=filterset.errors)
        return self.paginated(filterset.qs, FeeThreadOutput)


class ThreadDetailApi(APIView):
    authentication_classes = AUTHENTICATION
    permission_classes = [IsVerifiedUser]

    @extend_schema(responses=FeeThreadDetailOutput, summary="费用标准协商详情：各版本逐项金额及核定结果")
    def get(self, request, pk: int):
        return Response(_thread_detail(request.actor, pk))


class ProposalCreateApi(APIView):
    authentication_classes = AUTHENTICATION
    permission_classes = [IsVerifiedUser]

    class FeeProposalInput(FeeItemsInput):
        certificate = serializers.CharField(help_text="证书代码")
        level = serializers.ChoiceField(choices=[("", "各等级统一")] + list(Level.choices), required=False,
                                        allow_blank=True, default="")
        province = serializers.CharField(help_text="省份代码，如 42")

    @extend_schema(request=FeeProposalInput, responses={201: FeeThreadDetailOutput},
                   summary="培训评价组织提出（或修改）逐项费用标准，合计由系统计算")
    def post(self, request):
        data = self.FeeProposalInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        certificate = selectors.certificate_by_code(values["certificate"])
        if certificate is None:
            raise AppError(_("证书代码“%(c)s”不在证书目录中。") % {"c": values["certificate"]}, field="certificate")
        province = selectors.province_by_code(values["province"])
        if province is None:
            raise AppError(_("省份代码“%(p)s”无效。") % {"p": values["province"]}, field="province")
        version = services.fee_proposal_submit(actor=request.actor, certificate=certificate, level=values["level"],
                                               province=province, items=_items(values), note=values["note"])
        return Response(_thread_detail(request.actor, version.thread_id), status=status.HTTP_201_CREATED)


class CounterProposalCreateApi(APIView):
    authentication_classes = AUTHENTICATION
    permission_classes = [IsVerifiedUser]

    @extend_schema(request=FeeItemsInput, responses={201: FeeThreadDetailOutput},
                   summary="省级试点工作指导协调机构或院校联盟逐项提出反提议")
    def post(self, request, pk: int):
        thread = selectors.thread_for_action(request.actor, pk, "counter_propose")
        data = FeeItemsInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.fee_counter_propose(actor=request.actor, thread=thread, items=_items(data.validated_data),
                                     note=data.validated_data["note"])
        return Response(_thread_detail(request.actor, pk), status=status.HTTP_201_CREATED)


class VerificationCreateApi(APIView):
    authentication_classes = AUTHENTICATION
    permission_classes = [IsVerifiedUser]

    class FeeVerifyInput(serializers.Serializer):
        version = api_fields.IntegerField(help_text="本协商中要核定的版本 id")
        effective_from = serializers.DateField()

    @extend_schema(request=FeeVerifyInput, responses={201: FeeStandardOutput},
                   summary="省级教育行政部门核定一个版本，自生效日期起成为本省该证书（等级）的标准")
    def post(self, request, pk: int):
        thread = selectors.thread_for_action(request.actor, pk, "verify")
        data = self.FeeVerifyInput(data=request.data)
        data.is_valid(raise_exception=True)
        version = selectors.thread_version(thread, data.validated_data["version"])
        if version is None:
            raise AppError(_("请选择本协商中的一个版本。"), field="version")
        standard = services.fee_version_verify(actor=request.actor, version=version,
                                               effective_from=data.validated_data["effective_from"])
        return Response(FeeStandardOutput(standard).data, status=status.HTTP_201_CREATED)


# --- amounts due and payments --------------------------------------------------------------------

class FeeDueOutput(serializers.Serializer):
    session = serializers.IntegerField(source="session_id")
    session_date = serializers.DateField()
    certificate = serializers.IntegerField(source="certificate_id")
    certificate_name = serializers.CharField()
    level = serializers.CharField()
    province = serializers.CharField(source="province_code")
    org = serializers.IntegerField(source="org_id")
    institution = serializers.IntegerField(source="institution_id", allow_null=True)
    person = serializers.IntegerField(source="person_id", allow_null=True, help_text="社会学习者本人缴费时")
    candidates = serializers.IntegerField(help_text="实际参考人数")
    standard_amount = serializers.DecimalField(source="standard.amount", allow_null=True, default=None, **MONEY)
    no_verified_standard = serializers.SerializerMethodField(help_text="考核日期无核定标准：应付金额不作估算")
    amount_due = serializers.DecimalField(allow_null=True, **MONEY)
    paid = serializers.DecimalField(**MONEY)
    outstanding = serializers.DecimalField(allow_null=True, **MONEY)
    due_on = serializers.DateField(help_text="应付日期（考核日期），账龄自该日起计算")
    age_days = serializers.IntegerField()
    age_bucket = serializers.CharField()

    def get_no_verified_standard(self, due) -> bool:
        return due.standard is None


class DueListApi(PaginatedListMixin, APIView):
    authentication_classes = AUTHENTICATION
    permission_classes = [IsVerifiedUser]

    @extend_schema(parameters=[OpenApiParameter("session", OpenApiTypes.INT, description="考核批次 id")],
                   responses=FeeDueOutput(many=True),
                   summary="应付考核费用：每个已确认成绩的考核批次、每个付款方（按范围）")
    def get(self, request):
        selectors.require_payment_reader(request.actor)
        session = request.query_params.get("session", "")
        if session and not session.isdigit():
            raise AppError(_("考核批次 id 应为整数。"), field="session")
        rows = selectors.dues(request.actor, session_id=int(session) if session else None)
        return self.paginated(rows, FeeDueOutput)


BY = {"province": "province_code", "org": "org_id", "institution": "institution_id"}


class FeeOutstandingOutput(serializers.Serializer):
    key = serializers.CharField(allow_null=True, help_text="省份代码、组织 id 或院校 id；社会学习者为空")
    label = serializers.CharField()
    sessions = serializers.IntegerField()
    due = serializers.DecimalField(**MONEY)
    paid = serializers.DecimalField(**MONEY)
    outstanding = serializers.DecimalField(**MONEY)
    aged_0_30 = serializers.DecimalField(source="0-30", **MONEY)
    aged_31_60 = serializers.DecimalField(source="31-60", **MONEY)
    aged_61_90 = serializers.DecimalField(source="61-90", **MONEY)
    aged_over_90 = serializers.DecimalField(source="90+", **MONEY)
    no_standard_candidates = serializers.IntegerField(help_text="无核定标准的参考人数（单独计数）")


class OutstandingApi(APIView):
    authentication_classes = AUTHENTICATION
    permission_classes = [IsVerifiedUser]

    @extend_schema(parameters=[OpenApiParameter("by", OpenApiTypes.STR, enum=list(BY), default="province")],
                   responses=FeeOutstandingOutput(many=True),
                   summary="尚欠考核费用汇总：按省份、组织或院校，账龄 30/60/90 天（按范围）")
    def get(self, request):
        selectors.require_payment_reader(request.actor)
        by = request.query_params.get("by", "province")
        if by not in BY:
            raise AppError(_("汇总方式应为 province、org 或 institution。"), field="by")
        rows = selectors.dues(request.actor)
        names = selectors.due_names(rows)
        summary = selectors.outstanding_summary(rows, by=BY[by])
        for entry in summary:
            entry["label"] = names.get((BY[by], entry["key"]), _("社会学习者") if entry["key"] is None else str(entry["key"]))
        return Response(FeeOutstandingOutput(summary, many=True).data)


class FeePaymentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    session = serializers.IntegerField(source="session_id")
    institution = serializers.IntegerField(source="institution_id", allow_null=True)
    person = serializers.IntegerField(source="person_id", allow_null=True)
    org = serializers.IntegerField(source="org_id")
    province = serializers.CharField(source="province_id")
    amount = serializers.DecimalField(**MONEY)
    paid_on = serializers.DateField()
    reference = serializers.CharField()
    recorded_at = serializers.DateTimeField()


class PaymentListCreateApi(PaginatedListMixin, APIView):
    authentication_classes = AUTHENTICATION
    permission_classes = [IsVerifiedUser]

    class FeePaymentInput(serializers.Serializer):
        session = api_fields.IntegerField(help_text="考核批次 id")
        institution = api_fields.IntegerField(required=False, allow_null=True, default=None,
                                               help_text="院校付款时填写（院校登记）")
        person = api_fields.IntegerField(required=False, allow_null=True, default=None,
                                          help_text="社会学习者本人缴费时填写（培训评价组织登记）")
        amount = api_fields.NumberTextField(help_text="元，最多两位小数")
        paid_on = serializers.DateField()
        reference = serializers.CharField(max_length=64, allow_blank=True, help_text="支付凭证号")

    @extend_schema(parameters=[OpenApiParameter("session", OpenApiTypes.INT, description="考核批次 id")],
                   responses=FeePaymentOutput(many=True), summary="已登记的考核费用支付（按范围）")
    def get(self, request):
        rows = selectors.payments_visible(request.actor)
        session = request.query_params.get("session", "")
        if session.isdigit():
            rows = rows.filter(session_id=int(session))
        return self.paginated(rows, FeePaymentOutput)

    @extend_schema(request=FeePaymentInput, responses={201: FeePaymentOutput},
                   summary="登记支付：院校为本院校参考人员，培训评价组织为社会学习者；不得超过尚欠金额")
    def post(self, request):
        data = self.FeePaymentInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        payment = services.fee_payment_record(
            actor=request.actor, session_id=values["session"], amount=values["amount"], paid_on=values["paid_on"],
            reference=values["reference"], institution_id=values["institution"], person_id=values["person"])
        return Response(FeePaymentOutput(payment).data, status=status.HTTP_201_CREATED)
