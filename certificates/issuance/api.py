"""The API of issued certificates, issuance progress, paper copies and public verification.

Same scopes as the pages (selectors_issued). Verification endpoints are public and rate-limited in
the service; everything else needs a signed-in user or an API token."""

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Role
from accounts.scoping import scoped
from certificates.issuance import revocation, selectors
from certificates.issuance.models import IssuanceRequest
from certificates.issuance.views import PDF_ROLES, shown_id
from certificates.issuance.worker import certificate_pdf_bytes, certificate_pdf_render, issuance_request_retry
from core.errors import NotInScope


class IssuedOutput(serializers.Serializer):
    number = serializers.CharField()
    holder_name = serializers.CharField()
    id_number = serializers.SerializerMethodField()
    certificate = serializers.CharField(source="certificate.name")
    certificate_code = serializers.CharField(source="certificate.code")
    level = serializers.CharField()
    org = serializers.CharField(source="org.name")
    institution = serializers.CharField(source="institution.name", default=None)
    issued_on = serializers.DateField()
    status = serializers.CharField()
    revoked_reason = serializers.CharField()
    version = serializers.IntegerField()
    origin = serializers.CharField()

    def get_id_number(self, obj) -> str:
        return shown_id(self.context["actor"], obj.id_number)


class CertificateListApi(APIView):
    class IssuedFilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=["valid", "revoked"], required=False)
        q = serializers.CharField(required=False, allow_blank=True)

    @extend_schema(summary="电子证书列表（按当前角色范围）", parameters=[IssuedFilterSerializer],
                   responses=IssuedOutput(many=True))
    def get(self, request):
        filters = self.IssuedFilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        qs = selectors.issued_list(actor=request.actor, query=filters.validated_data.get("q", ""),
                                   status=filters.validated_data.get("status", ""))
        from rest_framework.pagination import LimitOffsetPagination

        paginator = LimitOffsetPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        return paginator.get_paginated_response(IssuedOutput(page, many=True, context={"actor": request.actor}).data)


class CertificateDetailApi(APIView):
    @extend_schema(summary="电子证书详情", responses=IssuedOutput)
    def get(self, request, number: str):
        issued = selectors.issued_get(actor=request.actor, number=number)
        return Response(IssuedOutput(issued, context={"actor": request.actor}).data)


class CertificatePdfApi(APIView):
    @extend_schema(summary="下载电子证书 PDF（持证人、发证机构、持证人所在院校、教育部）",
                   parameters=[OpenApiParameter("variant", str, enum=["zh", "bilingual"], required=False)],
                   responses={(200, "application/pdf"): bytes})
    def get(self, request, number: str):
        if request.actor.role not in PDF_ROLES:
            raise NotInScope()
        issued = selectors.issued_get(actor=request.actor, number=number)
        if request.query_params.get("variant") == "bilingual":
            content, name = certificate_pdf_render(issued, variant="bilingual"), f"{issued.number}-zh-en.pdf"
        else:
            content, name = certificate_pdf_bytes(issued), f"{issued.number}.pdf"
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class CertificateRevokeApi(APIView):
    class RevokeInputSerializer(serializers.Serializer):
        reason = serializers.CharField(allow_blank=True)

    @extend_schema(summary="撤销证书（须填写原因）", request=RevokeInputSerializer, responses=IssuedOutput)
    def post(self, request, number: str):
        issued = selectors.issued_get(actor=request.actor, number=number, for_write=True)
        data = self.RevokeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        issued = revocation.certificate_revoke(actor=request.actor, issued=issued, **data.validated_data)
        return Response(IssuedOutput(issued, context={"actor": request.actor}).data)


class CertificateReissueApi(APIView):
    class ReissueInputSerializer(serializers.Serializer):
        holder_name = serializers.CharField(allow_blank=True)
        reason = serializers.CharField(allow_blank=True)

    @extend_schema(summary="更正姓名并换发新版本（同一编号）", request=ReissueInputSerializer, responses=IssuedOutput)
    def post(self, request, number: str):
        issued = selectors.issued_get(actor=request.actor, number=number, for_write=True)
        data = self.ReissueInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        issued = revocation.certificate_reissue(actor=request.actor, issued=issued, **data.validated_data)
        return Response(IssuedOutput(issued, context={"actor": request.actor}).data)


class BatchListApi(APIView):
    class IssuanceBatchSerializer(serializers.Serializer):
        session_id = serializers.IntegerField()
        org = serializers.CharField(source="org__name")
        certificate = serializers.CharField(source="certificate__name")
        total = serializers.IntegerField()
        issued = serializers.IntegerField()
        duplicate = serializers.IntegerField()
        pending = serializers.IntegerField()
        blocked = serializers.IntegerField()
        failed = serializers.IntegerField()

    @extend_schema(summary="发证批次与进度", responses=IssuanceBatchSerializer(many=True))
    def get(self, request):
        from accounts.scoping import require_role

        require_role(request.actor, Role.ORG, Role.MINISTRY, Role.PROVINCE, Role.PROVINCE_AGENCY)
        rows = list(selectors.issuance_batches(actor=request.actor)[:500])
        return Response(self.IssuanceBatchSerializer(rows, many=True).data)


class RequestRetryApi(APIView):
    class IssuanceRetrySerializer(serializers.Serializer):
        result_id = serializers.IntegerField()
        status = serializers.CharField()

    @extend_schema(summary="对暂缓或失败的合格成绩重新发证", request=None, responses=IssuanceRetrySerializer)
    def post(self, request, result_id: int):
        issuance_request = scoped(IssuanceRequest, request.actor).filter(result_id=result_id).first()
        if issuance_request is None:
            raise NotInScope(_("成绩 %(id)s 不是已确认的合格成绩（没有对应的发证请求），不能发证。") % {"id": result_id})
        issuance_request = issuance_request_retry(actor=request.actor, request=issuance_request)
        return Response(self.IssuanceRetrySerializer(issuance_request).data)
