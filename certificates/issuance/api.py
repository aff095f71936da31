"""The API of issued certificates and issuance progress.

Same scopes and the same access decisions as the pages (certificates.issuance.selectors); the
holder's ID number is rendered through accounts.personal_data. A PDF not in storage yet is queued
for rendering and answered with 202 and ``Retry-After`` (nothing renders inside the request)."""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_pagination import PaginatedListMixin
from certificates.issuance import revocation, selectors, services
from certificates.issuance.documents import certificate_pdf_render
from certificates.issuance.ofd_files import OFD_TYPE
from core.errors import Forbidden, NotInScope
from core.exports import file_response


class IssuedOutput(serializers.Serializer):
    """An issued certificate, serialized from its ``Access`` (the certificate and what the actor may see)."""

    number = serializers.CharField(source="obj.number")
    holder_name = serializers.SerializerMethodField()
    id_number = serializers.SerializerMethodField(help_text="完整或打码（按个人信息规则）")
    certificate = serializers.CharField(source="obj.certificate.name")
    certificate_code = serializers.CharField(source="obj.certificate.code")
    level = serializers.CharField(source="obj.level")
    org = serializers.CharField(source="obj.org.name")
    institution = serializers.CharField(source="obj.institution.name", default=None, allow_null=True)
    issued_on = serializers.DateField(source="obj.issued_on")
    status = serializers.CharField(source="obj.status")
    revoked_reason = serializers.CharField(source="obj.revoked_reason")
    version = serializers.IntegerField(source="obj.version")
    origin = serializers.CharField(source="obj.origin")

    def get_holder_name(self, access) -> str | None:
        return access.show("name", access.obj.holder_name)

    def get_id_number(self, access) -> str | None:
        return access.show("id_number", access.obj.id_number)


class PdfPendingOutput(serializers.Serializer):
    detail = serializers.CharField(help_text="何时可以下载（中文）")
    retry_after = serializers.IntegerField(help_text="预计多少秒后可以下载，与响应头 Retry-After 相同")


def pending_response(seconds: int, message: str) -> Response:
    """202 for a file being made (PDF or OFD): when to come back, in the header and in Chinese."""
    response = Response({"detail": message, "retry_after": seconds}, status=202)
    response["Retry-After"] = str(seconds)
    return response


class CertificateListApi(PaginatedListMixin, APIView):
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
        rows = list(selectors.issued_rows(request.actor, self.paginate_queryset(qs)))
        return self.get_paginated_response(IssuedOutput(rows, many=True).data)


class CertificateDetailApi(APIView):
    @extend_schema(summary="电子证书详情", responses=IssuedOutput)
    def get(self, request, number: str):
        return Response(IssuedOutput(selectors.issued_certificate_access(actor=request.actor, number=number)).data)


class CertificatePdfApi(APIView):
    @extend_schema(
        summary="下载电子证书 PDF（持证人、发证机构、持证人所在院校：PDF 印有完整证件号码）",
        description="PDF 尚未生成（如平台启用前导入的证书）或存储中缺失时，不在请求内生成：已排队生成，返回 202、"
                    "`Retry-After` 响应头和中文说明，届时重新请求即可下载。中英文版（variant=bilingual）每次即时生成，不存储。",
        parameters=[OpenApiParameter("variant", str, enum=["zh", "bilingual"], required=False)],
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="签名的 PDF"),
                   202: OpenApiResponse(PdfPendingOutput, description="PDF 正在生成：稍后按 Retry-After 重试")})
    def get(self, request, number: str):
        access = selectors.issued_certificate_access(actor=request.actor, number=number)
        if not access.may.download_pdf:
            raise NotInScope()
        issued = access.obj
        if request.query_params.get("variant") == "bilingual":
            return file_response(certificate_pdf_render(issued, variant="bilingual"), f"{issued.number}-zh-en.pdf",
                                 "application/pdf")
        content = selectors.certificate_pdf_stored(issued)
        if content is None:
            seconds = services.certificate_pdfs_queue(certificates=[issued])
            return pending_response(seconds, services.pdf_ready_message(seconds))
        return file_response(content, f"{issued.number}.pdf", "application/pdf")


class CertificateOfdApi(APIView):
    @extend_schema(
        summary="下载电子证书 OFD 版式文件（与 PDF 相同的人可下载；平台启用前导入的证书没有 OFD）",
        description="OFD（GB/T 33190）由发证机构的电子印章（GB/T 38540）经平台 SM2 密钥签章。首次下载时生成并保存："
                    "尚未生成时已排队生成，返回 202、`Retry-After` 响应头和中文说明，届时重新请求即可下载。",
        responses={(200, OFD_TYPE): OpenApiResponse(OpenApiTypes.BINARY, description="签章的 OFD"),
                   202: OpenApiResponse(PdfPendingOutput, description="OFD 正在生成：稍后按 Retry-After 重试")})
    def get(self, request, number: str):
        access = selectors.issued_certificate_access(actor=request.actor, number=number)
        if not access.may.download_ofd:
            raise NotInScope()
        issued = access.obj
        content = selectors.certificate_ofd_stored(issued)
        if content is None:
            seconds = services.certificate_ofds_queue(certificates=[issued])
            return pending_response(seconds, services.ofd_ready_message(seconds))
        return file_response(content, f"{issued.number}.ofd", OFD_TYPE)


class CertificateRevokeApi(APIView):
    class RevokeInputSerializer(serializers.Serializer):
        reason = serializers.CharField(allow_blank=True)

    @extend_schema(summary="撤销证书（须填写原因）", request=RevokeInputSerializer, responses=IssuedOutput)
    def post(self, request, number: str):
        issued = selectors.issued_certificate_access(actor=request.actor, number=number).require("revoke")
        data = self.RevokeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        issued = revocation.certificate_revoke(actor=request.actor, issued=issued, **data.validated_data)
        return Response(IssuedOutput(selectors.issued_access_of(request.actor, issued)).data)


class CertificateReissueApi(APIView):
    class ReissueInputSerializer(serializers.Serializer):
        holder_name = serializers.CharField(allow_blank=True)
        reason = serializers.CharField(allow_blank=True)

    @extend_schema(summary="更正姓名并换发新版本（同一编号）", request=ReissueInputSerializer, responses=IssuedOutput)
    def post(self, request, number: str):
        issued = selectors.issued_certificate_access(actor=request.actor, number=number).require("reissue")
        data = self.ReissueInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        issued = revocation.certificate_reissue(actor=request.actor, issued=issued, **data.validated_data)
        return Response(IssuedOutput(selectors.issued_access_of(request.actor, issued)).data)


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
        if not selectors.issuance_access(request.actor).view_batches:
            raise Forbidden()
        rows = list(selectors.issuance_batches(actor=request.actor)[:500])
        return Response(self.IssuanceBatchSerializer(rows, many=True).data)


class RequestRetryApi(APIView):
    class IssuanceRetrySerializer(serializers.Serializer):
        result_id = serializers.IntegerField()
        status = serializers.CharField()

    @extend_schema(summary="对暂缓或失败的合格成绩重新发证", request=None, responses=IssuanceRetrySerializer)
    def post(self, request, result_id: int):
        access = selectors.issuance_request_access(
            actor=request.actor, result_id=result_id,
            missing_message=_("成绩 %(id)s 不是已确认的合格成绩（没有对应的发证请求），不能发证。") % {"id": result_id})
        issuance_request = services.issuance_request_retry(actor=request.actor, request=access.require("retry"))
        return Response(self.IssuanceRetrySerializer(issuance_request).data)
