"""The complaints part of the API (/api/v1/complaints).

Anyone may file (same validation and rate limit as the web form). The ministry reads everything;
an org reads the complaints against itself through serializers that have no complainant fields.
"""


from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_pagination import PaginatedListMixin
from accounts.api_parsers import JSONObjectParser
from accounts.api_schema import AnyOf
from accounts.personal_data import Field
from core.errors import NotInScope
from organizations.complaints import selectors, services
from organizations.complaints.models import Complaint
from organizations.complaints.views import evidence_response

_STATUS_CHOICES = Complaint.Status.choices


def _evidence_url(complaint_id: int, evidence_id: int) -> str:
    return reverse("api-complaint-evidence", args=[complaint_id, evidence_id])


# --- what each reader gets ---------------------------------------------------------------------

class _ComplaintBase(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    reference = serializers.CharField()
    category = serializers.CharField()
    category_label = serializers.CharField()
    text = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    created_at = serializers.DateTimeField()
    status_changed_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)


class MinistryComplaintSerializer(_ComplaintBase):
    """The triage view (the ministry's), of a complaint's ``Access``: the complainant fields
    included, rendered through the personal-data policy."""

    COMPLAINANT_FIELDS = ("contact_name", "contact", "submitted_by")

    category_label = serializers.CharField(source="get_category_display")
    status_label = serializers.CharField(source="get_status_display")
    org = serializers.IntegerField(source="org_id")
    org_name = serializers.CharField(source="org.name")
    contact_name = serializers.CharField(allow_null=True)
    contact = serializers.CharField(allow_null=True)
    submitted_by = serializers.CharField(source="submitted_by.username", allow_null=True, default=None)

    def to_representation(self, access):
        data = super().to_representation(access.obj)
        for name in self.COMPLAINANT_FIELDS:
            data[name] = access.show(Field.COMPLAINANT, data[name])
        return data


class MinistryNoteSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    status_before = serializers.CharField()
    status_after = serializers.CharField()
    text = serializers.CharField()
    internal = serializers.BooleanField()
    author = serializers.CharField(source="author.username", allow_null=True, default=None)


class MinistryEvidenceSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField(source="original_name")
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    url = serializers.SerializerMethodField()

    def get_url(self, obj) -> str:
        return _evidence_url(obj.complaint_id, obj.pk)


class MinistryComplaintDetailSerializer(MinistryComplaintSerializer):
    notes = MinistryNoteSerializer(many=True, source="notes.all")
    evidence = MinistryEvidenceSerializer(many=True, source="evidence.all")


class OrgComplaintSerializer(_ComplaintBase):
    """An org's view of a complaint against it (an ``Access`` to a selectors.OrgComplaint): never
    the complainant."""

    org_name = serializers.CharField()

    def to_representation(self, access):
        return super().to_representation(access.obj)


class OrgNoteSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    status_before = serializers.CharField()
    status_after = serializers.CharField()
    text = serializers.CharField()


class OrgEvidenceSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField(source="label")
    content_type = serializers.CharField()
    size = serializers.IntegerField()


class OrgComplaintDetailSerializer(OrgComplaintSerializer):
    notes = OrgNoteSerializer(many=True)
    evidence = serializers.SerializerMethodField()

    def get_evidence(self, obj) -> list[dict]:
        return [{**OrgEvidenceSerializer(e).data, "url": _evidence_url(obj.pk, e.pk)} for e in obj.evidence]


def _detail(actor, pk: int) -> dict:
    access = selectors.complaint_access(actor, pk)
    if access.may.triage:
        return MinistryComplaintDetailSerializer(access).data
    return OrgComplaintDetailSerializer(access).data


_FILTER_PARAMETERS = [
    OpenApiParameter("status", OpenApiTypes.STR, enum=[s for s, _label in _STATUS_CHOICES], description="状态"),
    OpenApiParameter("category", OpenApiTypes.STR, enum=Complaint.Category.values, description="类别"),
    OpenApiParameter("org", OpenApiTypes.INT, description="被投诉组织 ID（仅教育部）"),
    OpenApiParameter("date_from", OpenApiTypes.DATE, description="提交日期起"),
    OpenApiParameter("date_to", OpenApiTypes.DATE, description="提交日期止"),
]


class ComplaintsApi(PaginatedListMixin, APIView):
    """GET: list (ministry, org). POST: file a complaint (anyone, signed in or not)."""

    parser_classes = [MultiPartParser, FormParser, JSONObjectParser]

    class ComplaintFileInputSerializer(serializers.Serializer):
        org = serializers.IntegerField(help_text="被投诉组织 ID")
        category = serializers.ChoiceField(choices=Complaint.Category.choices)
        text = serializers.CharField(max_length=services.TEXT_MAX_CHARS)
        contact_name = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
        contact = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
        evidence = serializers.ListField(child=serializers.FileField(), required=False, default=list,
                                         help_text="PNG、JPEG 图片或 PDF 文档，最多 5 个")

    class ComplaintReceiptSerializer(serializers.Serializer):
        reference = serializers.CharField()
        status = serializers.CharField()
        status_label = serializers.CharField(source="get_status_display")
        created_at = serializers.DateTimeField()

    def get_permissions(self):
        if self.request.method == "POST":
            return [AllowAny()]
        return super().get_permissions()

    @extend_schema(parameters=_FILTER_PARAMETERS, responses=AnyOf(
        component_name="Complaint", serializers=[MinistryComplaintSerializer, OrgComplaintSerializer], many=True),
                   summary="投诉举报列表（教育部：全部；培训评价组织：针对本组织的，不含投诉人信息）")
    def get(self, request):
        actor = request.actor
        filterset, qs = selectors.complaints_filtered(actor, request.query_params)
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        page = self.paginate_queryset(qs)
        serializer = MinistryComplaintSerializer if selectors.complaints_access(actor).triage else OrgComplaintSerializer
        return self.get_paginated_response(serializer(selectors.complaint_rows(actor, page), many=True).data)

    @extend_schema(request={"multipart/form-data": ComplaintFileInputSerializer,
                            "application/json": ComplaintFileInputSerializer},
                   responses={201: ComplaintReceiptSerializer}, summary="提交投诉举报（无须登录，按网络地址限制频次）")
    def post(self, request):
        serializer = self.ComplaintFileInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        complaint = services.complaint_file(
            actor=request.actor if request.user.is_authenticated else None,
            client_address=request.META.get("REMOTE_ADDR", ""), org_id=data["org"], category=data["category"],
            text=data["text"], contact_name=data["contact_name"], contact=data["contact"], evidence=data["evidence"])
        return Response(self.ComplaintReceiptSerializer(complaint).data, status=status.HTTP_201_CREATED)


class ComplaintDetailApi(APIView):
    @extend_schema(responses=AnyOf(component_name="ComplaintDetail",
                                   serializers=[MinistryComplaintDetailSerializer, OrgComplaintDetailSerializer]),
                   summary="投诉举报详情（培训评价组织只见本组织的，不含投诉人信息和内部意见）")
    def get(self, request, pk: int):
        return Response(_detail(request.actor, pk))


class ComplaintTransitionApi(APIView):
    class ComplaintTransitionInputSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=_STATUS_CHOICES, help_text="investigating、upheld 或 dismissed")
        note = serializers.CharField(max_length=services.NOTE_MAX_CHARS)
        internal = serializers.BooleanField(required=False, default=False, help_text="仅教育部可见")

    @extend_schema(request=ComplaintTransitionInputSerializer, responses=MinistryComplaintDetailSerializer,
                   summary="变更投诉状态并填写处理意见（仅教育部）")
    def post(self, request, pk: int):
        complaint = selectors.complaint_get_for_triage(request.actor, pk)
        serializer = self.ComplaintTransitionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.complaint_transition(actor=request.actor, complaint=complaint, status=data["status"],
                                      note=data["note"], internal=data["internal"])
        return Response(_detail(request.actor, pk))


class ComplaintEvidenceApi(APIView):
    @extend_schema(responses={(200, media_type): OpenApiTypes.BINARY
                              for media_type in ("image/png", "image/jpeg", "application/pdf")},
                   summary="下载投诉证据（培训评价组织获得去除元数据的副本）")
    def get(self, request, pk: int, evidence_pk: int):
        download = selectors.complaint_evidence_download(request.actor, evidence_pk)
        if download.evidence.complaint_id != pk:
            raise NotInScope()
        return evidence_response(download)
