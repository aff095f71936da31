"""Filings, bulk filing and trainer qualifications over the API, with the scopes of the pages."""

from django.db.models import Count, Sum
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_pagination import PaginatedListMixin
from accounts.middleware import bulk_body
from assessments.filings import selectors
from assessments.filings import services as filings
from assessments.filings.filters import FilingFilter
from assessments.filings.imports import FILING_SCHEMA, FilingRowValidator, filing_rows_group, rows_from_records
from certificates.catalog.models import Certificate, Level
from core import api_fields, normalize
from core.errors import AppError, Forbidden, NotInScope
from core.tabular.validation import validate_rows
from organizations.institutions.selectors import institutions_fileable

MAX_BULK_ROWS = FILING_SCHEMA.max_rows


class FilingOutput(serializers.Serializer):
    id = serializers.IntegerField()
    province = serializers.CharField(source="province_id")
    institution = serializers.IntegerField(source="institution_id")
    institution_name = serializers.CharField(source="institution.name")
    school_code = serializers.CharField(source="institution.school_code")
    certificate = serializers.CharField(source="certificate.code")
    certificate_name = serializers.CharField(source="certificate.name")
    year = serializers.IntegerField()
    levels = serializers.SerializerMethodField()
    total_students = serializers.IntegerField()
    contact_name = serializers.CharField()
    contact_phone = serializers.CharField()
    withdrawn = serializers.SerializerMethodField()
    filed_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def get_levels(self, obj) -> dict[str, int]:
        return {level.level: level.declared_students for level in obj.levels.all()}

    def get_withdrawn(self, obj) -> bool:
        return obj.withdrawn_at is not None


class FilingListCreateApi(PaginatedListMixin, APIView):
    class FilingCreateInput(serializers.Serializer):
        institution = api_fields.IntegerField(help_text="院校 id（见 /api/v1/institutions）")
        certificate = serializers.CharField(help_text="证书代码")
        year = api_fields.IntegerField()
        levels = serializers.DictField(child=api_fields.IntegerField(), help_text='如 {"junior": 120, "senior": 30}')
        contact_name = serializers.CharField(max_length=64)
        contact_phone = api_fields.PhoneField(max_length=32)

    @extend_schema(responses=FilingOutput(many=True), summary="院校备案列表（按范围、可筛选排序）")
    def get(self, request):
        filterset = FilingFilter(request.query_params, queryset=selectors.filings_visible(request.actor))
        return self.paginated(filterset.qs, FilingOutput)

    @extend_schema(request=FilingCreateInput, responses={201: FilingOutput, 200: FilingOutput},
                   summary="为本省院校备案（同一院校、证书、年度再次备案即为更正）")
    def post(self, request):
        data = self.FilingCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        institution = institutions_fileable(request.actor).filter(pk=values["institution"]).first()
        if institution is None:
            raise NotInScope(_("院校不存在或不属于本省，不能为其备案。"))
        certificate = Certificate.objects.filter(code=normalize.code(values["certificate"])).first()
        if certificate is None:
            raise AppError(_("证书代码“%(c)s”不在证书目录中。") % {"c": values["certificate"]}, field="certificate")
        unknown = set(values["levels"]) - set(Level.values)
        if unknown:
            raise AppError(_("等级应为 junior、intermediate 或 senior。"), field="levels")
        filing, outcome = filings.filing_save(actor=request.actor, institution=institution, certificate=certificate,
                                              year=values["year"], levels=dict(values["levels"]),
                                              contact_name=values["contact_name"],
                                              contact_phone=values["contact_phone"])
        filing = selectors.filing_access(request.actor, filing.pk).obj
        body = {**FilingOutput(filing).data, "outcome": outcome}
        return Response(body, status=status.HTTP_201_CREATED if outcome == "created" else status.HTTP_200_OK)


class FilingDetailApi(APIView):
    @extend_schema(responses=FilingOutput, summary="备案详情")
    def get(self, request, pk: int):
        return Response(FilingOutput(selectors.filing_access(request.actor, pk).obj).data)


class FilingWithdrawApi(APIView):
    class FilingWithdrawInput(serializers.Serializer):
        reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    @extend_schema(request=FilingWithdrawInput, responses=FilingOutput, summary="撤回备案（不再计入统计）")
    def post(self, request, pk: int):
        filing = selectors.filing_access(request.actor, pk).require("withdraw")
        data = self.FilingWithdrawInput(data=request.data)
        data.is_valid(raise_exception=True)
        filings.filing_withdraw(actor=request.actor, filing=filing, reason=data.validated_data["reason"])
        return Response(FilingOutput(selectors.filing_access(request.actor, pk).obj).data)


@bulk_body
class FilingBulkApi(APIView):
    class FilingBulkInput(serializers.Serializer):
        # Rows are checked by the same row validator as an uploaded file (Chinese message per
        # row and column), not field by field here: 100,000 rows through DRF fields is slow.
        rows = serializers.ListField(child=serializers.DictField(), allow_empty=False)

    class FilingBulkRows(serializers.Serializer):
        rows = serializers.ListField(child=serializers.DictField(), allow_empty=False,
                                     help_text="每行的键同批量导入模板：school_code、institution_name（选填）、certificate、"
                                               "year、level、declared_students、contact_name、contact_phone")

    class FilingBulkOutput(serializers.Serializer):
        rows = serializers.IntegerField()
        filings = serializers.IntegerField()
        created = serializers.IntegerField()
        corrected = serializers.IntegerField()
        unchanged = serializers.IntegerField()

    @extend_schema(request=FilingBulkRows, responses=FilingBulkOutput,
                   summary="批量备案：逐行校验，任一行有错误则全部不保存（错误按行号、列返回）")
    def post(self, request):
        actor = request.actor
        if not selectors.filings_page_access(actor).file:
            raise Forbidden()
        data = self.FilingBulkInput(data=request.data)
        data.is_valid(raise_exception=True)
        records = data.validated_data["rows"]
        if len(records) > MAX_BULK_ROWS:
            raise AppError(_("一次最多提交 %(n)s 行，请分批提交。") % {"n": f"{MAX_BULK_ROWS:,}"}, code="too_many_rows")
        validator = FilingRowValidator(province_code=actor.province_code,
                                       province_name=actor.binding.province.name)
        result = validate_rows(rows_from_records(records), FILING_SCHEMA, validator)
        if not result.ok:
            raise AppError(_("共 %(rows)d 行，其中 %(bad)d 行有错误，全部未保存。") % {
                "rows": result.rows_read, "bad": len(result.error_rows)}, code="invalid_rows",
                details=[{"row": e.row, "field": e.key, "column": e.column, "message": e.message}
                         for e in result.errors])
        outcome = filings.filings_bulk_save(actor=actor, items=filing_rows_group(result.rows),
                                            note=_("API 批量备案"))
        return Response(self.FilingBulkOutput({"rows": result.rows_read, "filings": outcome.filings,
                                     "created": outcome.created, "corrected": outcome.corrected,
                                     "unchanged": outcome.unchanged}).data)


class FilingTotalsApi(PaginatedListMixin, APIView):
    class FilingTotalsOutput(serializers.Serializer):
        year = serializers.IntegerField()
        certificate = serializers.CharField(source="certificate__code")
        certificate_name = serializers.CharField(source="certificate__name")
        province = serializers.CharField(source="province_id")
        filings = serializers.IntegerField()
        students = serializers.IntegerField()

    @extend_schema(responses=FilingTotalsOutput(many=True),
                   summary="申报规模合计：按证书、省份、年度（教育部为全国，省级为本省；已撤回的不计）")
    def get(self, request):
        qs = selectors.filings_visible(request.actor).filter(withdrawn_at__isnull=True)
        year = request.query_params.get("year", "")
        if year.isdigit():
            qs = qs.filter(year=int(year))
        rows = (qs.values("year", "certificate__code", "certificate__name", "province_id")
                .annotate(filings=Count("*"), students=Sum("total_students"))
                .order_by("year", "certificate__code", "province_id"))
        return self.paginated(rows, self.FilingTotalsOutput)
