"""The credit bank's API (/api/v1/credit/…), with the scopes of the pages: reads go through
credit_bank.selectors, writes through one service each, refusals come back as JSON with a Chinese
message (accounts.api_errors)."""

import django_filters
from django.db.models import Q
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import Access
from certificates.catalog.models import Level
from core import api_fields, form_fields, normalize
from core.errors import NotInScope
from credit_bank import selectors
from credit_bank.models import Conversion, ConversionRule, CourseType, Outcome
from credit_bank.services import conversions, rules, transcripts
from credit_bank.services import outcomes as outcome_services


def _require_reader(actor) -> None:
    """The lists of outcomes and requests: staff, and a student for their own (403 otherwise)."""
    access = selectors.credit_bank_access(actor)
    if not access.may.account:
        access.require("staff")


# --- output ------------------------------------------------------------------------------------

class _PersonalOutput(serializers.Serializer):
    """Output of an ``Access`` (one object with the actor's relations to the person it is about): the
    fields read the object, the personal ones (``PERSONAL``: output name -> (policy field, path to the
    value)) are rendered through the personal-data policy: in full, masked or null."""

    PERSONAL: dict[str, tuple[str, str]] = {}

    def to_representation(self, access: Access):
        data = super().to_representation(access.obj)
        for name, (field, path) in self.PERSONAL.items():
            value = access.obj
            for part in path.split("."):
                value = getattr(value, part)
            data[name] = access.show(field, value)
        return data


@extend_schema_serializer(component_name="CreditOutcome")
class OutcomeOutput(_PersonalOutput):
    PERSONAL = {"holder_name": ("name", "account.person.name"), "id_number": ("id_number", "account.person.id_number")}

    id = serializers.IntegerField()
    number = serializers.CharField(help_text="证书编号")
    holder_name = serializers.CharField(source="account.person.name", allow_null=True)
    id_number = serializers.CharField(source="account.person.id_number", allow_null=True,
                                      help_text="证件号码：本人、所在院校完整显示，院校联盟、省份、教育部部分隐藏")
    certificate = serializers.CharField(source="certificate.name")
    certificate_code = serializers.CharField(source="certificate.code")
    level = serializers.CharField()
    level_label = serializers.CharField(source="get_level_display")
    province = serializers.CharField(source="province_id", help_text="考核所在省份代码")
    issued_on = serializers.DateField()
    credits = serializers.DecimalField(max_digits=4, decimal_places=1, help_text="学分银行认定学分")
    recognized_version = serializers.IntegerField(source="recognized.version", help_text="认定目录版本")
    status = serializers.CharField()
    revoked_reason = serializers.CharField()
    recorded_at = serializers.DateTimeField()


@extend_schema_serializer(component_name="CreditRuleVersion")
class RuleVersionOutput(serializers.Serializer):
    version = serializers.IntegerField()
    course_name = serializers.CharField()
    course_credits = serializers.DecimalField(max_digits=4, decimal_places=1)
    course_type = serializers.CharField()
    course_type_label = serializers.CharField(source="get_course_type_display")
    note = serializers.CharField()
    created_at = serializers.DateTimeField()


@extend_schema_serializer(component_name="CreditRule")
class RuleOutput(serializers.Serializer):
    id = serializers.IntegerField()
    institution_id = serializers.IntegerField()
    institution = serializers.CharField(source="institution.name")
    major_code = serializers.CharField()
    major_name = serializers.CharField()
    certificate_code = serializers.CharField(source="certificate.code")
    certificate = serializers.CharField(source="certificate.name")
    level = serializers.CharField()
    course_code = serializers.CharField()
    status = serializers.CharField()
    current = RuleVersionOutput()


@extend_schema_serializer(component_name="CreditRuleDetail")
class RuleDetailOutput(RuleOutput):
    versions = RuleVersionOutput(many=True, source="versions.all")


@extend_schema_serializer(component_name="CreditConversion")
class ConversionOutput(_PersonalOutput):
    PERSONAL = {"holder_name": ("name", "person.name")}

    id = serializers.IntegerField()
    holder_name = serializers.CharField(source="person.name", allow_null=True)
    institution_id = serializers.IntegerField()
    institution = serializers.CharField(source="institution.name")
    major_name = serializers.CharField(source="enrolment.major_name")
    outcome_id = serializers.IntegerField()
    certificate_number = serializers.CharField(source="outcome.number")
    certificate = serializers.CharField(source="outcome.certificate.name")
    level = serializers.CharField(source="outcome.level")
    rule_id = serializers.IntegerField(source="rule_version.rule_id")
    rule_version = serializers.IntegerField(source="rule_version.version")
    course_code = serializers.CharField()
    course_name = serializers.CharField(source="rule_version.course_name")
    course_credits = serializers.DecimalField(max_digits=4, decimal_places=1, source="rule_version.course_credits")
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    converted_credits = serializers.DecimalField(max_digits=4, decimal_places=1, allow_null=True)
    decision_reason = serializers.CharField()
    requested_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    flagged = serializers.BooleanField(source="is_flagged")
    flag_reason = serializers.CharField()


def _paginated(view, qs, serializer, rows=list):
    """One page of ``qs``, filtered; ``rows`` turns the page into what ``serializer`` takes (the
    selector's ``Access`` per row where the output carries personal fields)."""
    page = view.paginate_queryset(view.filter_queryset(qs))
    return view.get_paginated_response(serializer(list(rows(page)), many=True).data)


# --- the student's account ---------------------------------------------------------------------

class AccountApi(APIView):
    @extend_schema_serializer(component_name="CreditAccount")
    class OutputSerializer(serializers.Serializer):
        account_number = serializers.CharField(allow_null=True)
        outcomes = serializers.IntegerField()
        recognized_credits = serializers.DecimalField(max_digits=6, decimal_places=1)
        conversions = serializers.IntegerField()
        converted_credits = serializers.DecimalField(max_digits=6, decimal_places=1)
        pending = serializers.IntegerField()

    @extend_schema(summary="我的学习账户：学习成果数、认定学分、已转换学分（学生）", responses=OutputSerializer)
    def get(self, request):
        access = selectors.account_access(actor=request.actor)
        data = selectors.account_summary(access.obj)
        data["account_number"] = access.show("learning_account", access.obj.number) if access.obj else None
        return Response(self.OutputSerializer(data).data)


class OutcomeFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="证书编号、姓名或证书名称")
    status = django_filters.ChoiceFilter(choices=Outcome.Status.choices, label="状态")
    province = form_fields.CodeFilter(field_name="province_id", label="考核所在省份代码")
    level = django_filters.ChoiceFilter(choices=Level.choices, label="等级")

    class Meta:
        model = Outcome
        fields = ["q", "status", "province", "level"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(number__iexact=value) | Q(account__person__name__icontains=value)
                               | Q(certificate__name__icontains=value))


class OutcomeListApi(GenericAPIView):
    filterset_class = OutcomeFilter
    serializer_class = OutcomeOutput
    queryset = Outcome.objects.none()  # for the schema; requests read through the selector

    @extend_schema(summary="学习成果列表（学生本人；院校本校学生；省份本省；教育部全国）", operation_id="credit_outcomes_list",
                   responses=OutcomeOutput(many=True))
    def get(self, request):
        _require_reader(request.actor)
        return _paginated(self, selectors.outcome_list(actor=request.actor), OutcomeOutput,
                          lambda page: selectors.outcome_accesses(request.actor, page))


# --- the catalog ---------------------------------------------------------------------------------

@extend_schema_serializer(component_name="CreditCatalogEntry")
class CatalogOutput(serializers.Serializer):
    certificate_code = serializers.CharField(source="certificate.code")
    certificate = serializers.CharField(source="certificate.name")
    level = serializers.CharField()
    level_label = serializers.CharField()
    credits = serializers.DecimalField(max_digits=4, decimal_places=1)
    version = serializers.IntegerField(allow_null=True, help_text="目录版本；null 表示按等级默认学分")
    is_default = serializers.BooleanField()


class CatalogApi(APIView):
    @extend_schema_serializer(component_name="CreditCatalogInput")
    class InputSerializer(serializers.Serializer):
        certificate_code = api_fields.CodeField()
        level = serializers.ChoiceField(choices=Level.choices)
        credits = serializers.CharField(help_text="认定学分，以 0.5 为单位")
        reason = serializers.CharField(allow_blank=True)

    @extend_schema(summary="学习成果认定目录：各证书等级的认定学分", responses=CatalogOutput(many=True),
                   parameters=[OpenApiParameter("q", str, required=False, description="证书名称或代码")])
    def get(self, request):
        selectors.credit_bank_access(request.actor).require("staff")
        rows = selectors.catalog_rows(query=request.query_params.get("q", "").strip())
        return Response(CatalogOutput(rows, many=True).data)

    @extend_schema(summary="调整证书等级的认定学分（教育部；生成新的目录版本）", request=InputSerializer,
                   responses={201: CatalogOutput})
    def post(self, request):
        selectors.credit_bank_access(request.actor).require("edit_catalog")
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        certificate = selectors.certificate_by_code(data.validated_data["certificate_code"])
        entry = outcome_services.catalog_credits_set(
            actor=request.actor, certificate=certificate, level=data.validated_data["level"],
            credits=data.validated_data["credits"], reason=data.validated_data["reason"])
        row = {"certificate": certificate, "level": entry.level, "level_label": entry.get_level_display(),
               "credits": entry.credits, "version": entry.version, "is_default": False}
        return Response(CatalogOutput(row).data, status=status.HTTP_201_CREATED)


# --- rules and limits ------------------------------------------------------------------------------

class RuleFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="专业、课程、证书或院校")
    status = django_filters.ChoiceFilter(choices=ConversionRule.Status.choices, label="状态")
    institution = django_filters.NumberFilter(field_name="institution_id", label="院校编号")
    major_name = django_filters.CharFilter(label="专业名称")
    certificate_code = form_fields.CodeFilter(field_name="certificate__code", label="证书代码")
    level = django_filters.ChoiceFilter(choices=Level.choices, label="等级")

    class Meta:
        model = ConversionRule
        fields = ["q", "status", "institution", "major_name", "certificate_code", "level"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(major_name__icontains=value) | Q(course_code__iexact=normalize.code(value))
                               | Q(current__course_name__icontains=value) | Q(certificate__name__icontains=value)
                               | Q(institution__name__icontains=value))


class _RuleFields(serializers.Serializer):
    course_name = serializers.CharField(allow_blank=True)
    course_credits = serializers.CharField(help_text="课程学分，以 0.5 为单位")
    course_type = serializers.ChoiceField(choices=CourseType.choices)
    note = serializers.CharField(allow_blank=True, required=False, default="")


class RuleCollectionApi(GenericAPIView):
    filterset_class = RuleFilter
    serializer_class = RuleOutput
    queryset = ConversionRule.objects.none()

    @extend_schema_serializer(component_name="CreditRuleCreateInput")
    class InputSerializer(_RuleFields):
        institution_id = serializers.IntegerField()
        major_name = serializers.CharField(allow_blank=True)
        major_code = api_fields.CodeField(allow_blank=True, required=False, default="")
        certificate_code = api_fields.CodeField()
        level = serializers.ChoiceField(choices=Level.choices)
        course_code = api_fields.CodeField(allow_blank=True)

    @extend_schema(summary="学分转换规则列表（教育部全国；省份本省；院校本校；联盟成员院校）", operation_id="credit_rules_list",
                   responses=RuleOutput(many=True))
    def get(self, request):
        selectors.credit_bank_access(request.actor).require("staff")
        return _paginated(self, selectors.rule_list(actor=request.actor), RuleOutput)

    @extend_schema(summary="制定学分转换规则（院校；联盟代成员院校）", request=InputSerializer, responses={201: RuleDetailOutput})
    def post(self, request):
        selectors.credit_bank_access(request.actor).require("write")
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        institution = selectors.institution_for_rules(actor=request.actor, pk=values.pop("institution_id"))
        certificate = selectors.certificate_by_code(values.pop("certificate_code"))
        rule = rules.rule_create(actor=request.actor, institution=institution, certificate=certificate, **values)
        return Response(RuleDetailOutput(rule).data, status=status.HTTP_201_CREATED)


class RuleDetailApi(APIView):
    @extend_schema(summary="学分转换规则详情与各版本", responses=RuleDetailOutput)
    def get(self, request, pk: int):
        selectors.credit_bank_access(request.actor).require("staff")
        return Response(RuleDetailOutput(selectors.rule_get(actor=request.actor, pk=pk).obj).data)


class RuleVersionApi(APIView):
    @extend_schema_serializer(component_name="CreditRuleChangeInput")
    class InputSerializer(_RuleFields):
        pass

    @extend_schema(summary="修改规则：生成新版本（已提出的申请保留原版本）", request=InputSerializer,
                   responses={201: RuleDetailOutput})
    def post(self, request, pk: int):
        rule = selectors.rule_for_change(actor=request.actor, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        rule = rules.rule_change(actor=request.actor, rule=rule, **data.validated_data)
        return Response(RuleDetailOutput(rule).data, status=status.HTTP_201_CREATED)


class RuleWithdrawApi(APIView):
    @extend_schema_serializer(component_name="CreditRuleWithdrawInput")
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(allow_blank=True)

    @extend_schema(summary="停用规则", request=InputSerializer, responses=RuleDetailOutput)
    def post(self, request, pk: int):
        rule = selectors.rule_for_change(actor=request.actor, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(RuleDetailOutput(rules.rule_withdraw(actor=request.actor, rule=rule, **data.validated_data)).data)


class PolicyApi(APIView):
    @extend_schema_serializer(component_name="CreditPolicy")
    class OutputSerializer(serializers.Serializer):
        institution_id = serializers.IntegerField()
        institution = serializers.CharField(source="institution.name")
        max_certificates_per_course = api_fields.IntegerField()
        max_credits_per_certificate = api_fields.DecimalField(max_digits=4, decimal_places=1)

    @extend_schema_serializer(component_name="CreditPolicyInput")
    class InputSerializer(serializers.Serializer):
        institution_id = serializers.IntegerField()
        max_certificates_per_course = api_fields.IntegerField()
        max_credits_per_certificate = serializers.CharField()

    @extend_schema(summary="本校（联盟：成员院校）的学分转换限额", responses=OutputSerializer(many=True))
    def get(self, request):
        selectors.credit_bank_access(request.actor).require("write")
        return Response(self.OutputSerializer([selectors.policy_for(i) for i in
                                               selectors.institutions_writable(actor=request.actor)], many=True).data)

    @extend_schema(summary="设置学分转换限额（院校；联盟代成员院校）", request=InputSerializer, responses=OutputSerializer)
    def post(self, request):
        selectors.credit_bank_access(request.actor).require("write")
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        institution = selectors.institution_for_rules(actor=request.actor, pk=values.pop("institution_id"))
        return Response(self.OutputSerializer(rules.policy_set(actor=request.actor, institution=institution,
                                                               **values)).data)


# --- conversions -----------------------------------------------------------------------------------

class ConversionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Conversion.Status.choices, label="状态")
    flagged = django_filters.BooleanFilter(field_name="flagged_at", lookup_expr="isnull", exclude=True,
                                           label="依据证书已撤销")
    institution = django_filters.NumberFilter(field_name="institution_id", label="院校编号")
    course_code = form_fields.CodeFilter(label="课程代码")

    class Meta:
        model = Conversion
        fields = ["status", "flagged", "institution", "course_code"]


class ConversionCollectionApi(GenericAPIView):
    filterset_class = ConversionFilter
    serializer_class = ConversionOutput
    queryset = Conversion.objects.none()

    @extend_schema_serializer(component_name="CreditConversionRequestInput")
    class InputSerializer(serializers.Serializer):
        outcome_id = serializers.IntegerField()
        rule_id = serializers.IntegerField()
        note = serializers.CharField(allow_blank=True, required=False, default="")

    @extend_schema(summary="学分转换申请列表（学生本人；院校本校；省份本省；教育部全国）", operation_id="credit_conversions_list",
                   responses=ConversionOutput(many=True))
    def get(self, request):
        _require_reader(request.actor)
        return _paginated(self, selectors.conversion_list(actor=request.actor), ConversionOutput,
                          lambda page: selectors.conversion_accesses(request.actor, page))

    @extend_schema(summary="申请把学习成果转换为课程学分（学生）", request=InputSerializer, responses={201: ConversionOutput})
    def post(self, request):
        selectors.credit_bank_access(request.actor).require("account")
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        outcome = selectors.outcome_for_conversion(actor=request.actor, pk=data.validated_data["outcome_id"])
        rule = selectors.rule_for_request(pk=data.validated_data["rule_id"])
        conversion = conversions.conversion_request(actor=request.actor, outcome=outcome, rule=rule,
                                                    note=data.validated_data["note"])
        return Response(_conversion_output(request.actor, conversion), status=status.HTTP_201_CREATED)


class ConversionDetailApi(APIView):
    @extend_schema(summary="学分转换申请详情", responses=ConversionOutput)
    def get(self, request, pk: int):
        _require_reader(request.actor)
        return Response(ConversionOutput(selectors.conversion_get(actor=request.actor, pk=pk)).data)


class ConversionApproveApi(APIView):
    @extend_schema_serializer(component_name="CreditConversionApproveInput")
    class InputSerializer(serializers.Serializer):
        credits = serializers.CharField(required=False, allow_blank=True, help_text="认定学分；默认为规则的课程学分")

    @extend_schema(summary="认定学分（院校；联盟代成员院校）", request=InputSerializer, responses=ConversionOutput)
    def post(self, request, pk: int):
        conversion = selectors.conversion_for_decision(actor=request.actor, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        conversion = conversions.conversion_approve(actor=request.actor, conversion=conversion,
                                                    credits=data.validated_data.get("credits"))
        return Response(_conversion_output(request.actor, conversion))


def _conversion_output(actor, conversion: Conversion) -> dict:
    """A request as the actor who just acted on it sees it."""
    return ConversionOutput(next(selectors.conversion_accesses(actor, [conversion]))).data


class _ReasonInput(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class ConversionDeclineApi(APIView):
    @extend_schema_serializer(component_name="CreditConversionDeclineInput")
    class InputSerializer(_ReasonInput):
        pass

    @extend_schema(summary="不予认定（须填写原因）", request=InputSerializer, responses=ConversionOutput)
    def post(self, request, pk: int):
        conversion = selectors.conversion_for_decision(actor=request.actor, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(_conversion_output(request.actor, conversions.conversion_decline(
            actor=request.actor, conversion=conversion, **data.validated_data)))


class ConversionAnnulApi(APIView):
    @extend_schema_serializer(component_name="CreditConversionAnnulInput")
    class InputSerializer(_ReasonInput):
        pass

    @extend_schema(summary="撤销已认定的学分（须填写原因）", request=InputSerializer, responses=ConversionOutput)
    def post(self, request, pk: int):
        conversion = selectors.conversion_for_decision(actor=request.actor, pk=pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(_conversion_output(request.actor, conversions.conversion_annul(
            actor=request.actor, conversion=conversion, **data.validated_data)))


class ConversionWithdrawApi(APIView):
    @extend_schema(summary="撤回尚未审核的申请（学生）", request=None, responses=ConversionOutput)
    def post(self, request, pk: int):
        conversion = selectors.conversion_for_withdrawal(actor=request.actor, pk=pk)
        return Response(_conversion_output(request.actor, conversions.conversion_withdraw(actor=request.actor,
                                                                                          conversion=conversion)))


# --- transcripts -----------------------------------------------------------------------------------

class TranscriptIssueApi(APIView):
    @extend_schema_serializer(component_name="CreditTranscript")
    class OutputSerializer(serializers.Serializer):
        number = serializers.CharField()
        issued_at = serializers.DateTimeField()
        verify_url = serializers.CharField()
        pdf_url = serializers.CharField()
        new = serializers.BooleanField(help_text="false：内容未变，沿用上一份成绩单")

    @extend_schema(summary="签发（或沿用未变化的）学分银行成绩单（学生）", request=None, responses={200: OutputSerializer})
    def post(self, request):
        transcript, new = transcripts.transcript_issue(actor=request.actor)
        return Response(self.OutputSerializer({
            "number": transcript.number, "issued_at": transcript.issued_at, "new": new,
            "verify_url": selectors.verify_url(transcript),
            "pdf_url": request.build_absolute_uri(f"/api/v1/credit/transcripts/{transcript.number}/pdf")}).data)


class TranscriptPdfApi(APIView):
    @extend_schema(summary="下载已签名的成绩单 PDF（学生本人）",
                   responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)})
    def get(self, request, number: str):
        transcript = selectors.transcript_get_own(actor=request.actor, number=number)
        response = HttpResponse(selectors.transcript_pdf_bytes(transcript), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{transcript.number}.pdf"'
        return response


class TranscriptVerifyApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema_serializer(component_name="CreditTranscriptCheck")
    class OutputSerializer(serializers.Serializer):
        found = serializers.BooleanField()
        withdrawn = serializers.BooleanField()
        number = serializers.CharField()
        issued_at = serializers.DateTimeField(allow_null=True)
        content = serializers.JSONField(allow_null=True, help_text="签发时的内容（姓名部分隐藏，不含证件号码）")
        changed_since = serializers.BooleanField()
        revoked_since = serializers.ListField(child=serializers.CharField())

    @extend_schema(summary="查验分享的成绩单（公开）", responses=OutputSerializer)
    def get(self, request, token: str):
        check = selectors.transcript_verify(token=token)
        if not check.found:
            raise NotInScope()
        return Response(self.OutputSerializer(check).data)


# --- statistics --------------------------------------------------------------------------------------

class StatsApi(APIView):
    @extend_schema(summary="学分银行统计：按省份、证书或专业（教育部全国；省份本省）",
                   parameters=[OpenApiParameter("by", str, enum=list(selectors.STATS_BY), required=False)],
                   responses={200: OpenApiResponse(OpenApiTypes.OBJECT)})
    def get(self, request):
        selectors.credit_bank_access(request.actor).require("stats")
        by = request.query_params.get("by", "province")
        if by not in selectors.STATS_BY:
            by = "province"
        rows = [{k: (str(v) if not isinstance(v, (int, str)) else v) for k, v in row.items()}
                for row in selectors.STATS_BY[by](actor=request.actor)]
        return Response({"by": by, "rows": rows})
