from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_permissions import IsVerifiedUser
from certificates.batches import selectors
from certificates.batches import services as batch_services
from certificates.batches.models import ApplicationCertificate, BatchApplication
from certificates.catalog.api import AUTHENTICATION, LevelInput, PublicThrottle
from core import api_fields
from core.errors import Forbidden
from organizations.orgs.models import Org


class StatisticsOutput(serializers.Serializer):
    applicants = serializers.IntegerField()
    applied = serializers.IntegerField()
    approved_bodies = serializers.IntegerField()
    approved = serializers.IntegerField()
    rejected = serializers.IntegerField()
    undecided = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)
    catalog_certificates = serializers.IntegerField()
    catalog_orgs = serializers.IntegerField()


class BatchOutput(serializers.Serializer):
    number = serializers.IntegerField()
    name = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")
    opened_on = serializers.DateField()
    closes_on = serializers.DateField(allow_null=True)
    published_on = serializers.DateField(allow_null=True)
    statistics = StatisticsOutput(source="stats")


class BatchListApi(APIView):
    authentication_classes = AUTHENTICATION
    permission_classes = [AllowAny]
    throttle_classes = [PublicThrottle]

    @extend_schema(summary="遴选批次及统计（公开）", responses=BatchOutput(many=True))
    def get(self, request):
        return Response(BatchOutput(selectors.batches_with_statistics(), many=True).data)


class BatchDetailApi(APIView):
    authentication_classes = AUTHENTICATION
    permission_classes = [AllowAny]
    throttle_classes = [PublicThrottle]

    class BatchDetailOutput(BatchOutput):
        class FieldOutput(serializers.Serializer):
            field = serializers.CharField()
            applied = serializers.IntegerField()
            approved = serializers.IntegerField()
            rate = serializers.FloatField()

        fields = FieldOutput(many=True)

    @extend_schema(summary="遴选批次详情与统计（公开）", responses=BatchDetailOutput)
    def get(self, request, number: int):
        batch = selectors.batch_get(number)
        batch.stats = selectors.batch_statistics(batch)
        batch.fields = selectors.batch_fields(batch)
        return Response(self.BatchDetailOutput(batch).data)


class ItemOutput(serializers.ModelSerializer):
    certificate = serializers.CharField(source="certificate.code", allow_null=True, default=None)

    class Meta:
        model = ApplicationCertificate
        fields = ["id", "name", "field", "levels", "expert_score", "notice_from", "notice_until", "outcome",
                  "decided_at", "certificate"]


class ApplicationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    applicant_name = serializers.CharField()
    credit_code = serializers.CharField()
    org_type = serializers.CharField()
    org = serializers.IntegerField(source="org_id", allow_null=True)
    submitted_at = serializers.DateTimeField()
    certificates = ItemOutput(many=True, source="certificates.all")


class ApplicationListApi(generics.GenericAPIView):
    """GET: the batch's applications (the ministry all, an org its own); POST: record one (the
    ministry for any applicant, an org for itself while the batch is open)."""

    authentication_classes = AUTHENTICATION
    permission_classes = [IsVerifiedUser]
    serializer_class = ApplicationOutput
    queryset = BatchApplication.objects.none()  # for the schema; reads go through the selector

    class ApplicationInput(serializers.Serializer):
        class CertificateInput(serializers.Serializer):
            name = serializers.CharField()
            field = serializers.CharField()
            levels = LevelInput(many=True)

        applicant_name = serializers.CharField(required=False, allow_blank=True, default="",
                                               help_text="教育部录入时必填；组织在线申报时取本组织")
        credit_code = api_fields.CodeField(required=False, allow_blank=True, default="")
        org_type = serializers.ChoiceField(choices=Org.OrgType.choices, required=False, allow_blank=True, default="")
        certificates = CertificateInput(many=True)

    @extend_schema(summary="批次申报列表（教育部；组织仅本组织）", responses=ApplicationOutput(many=True))
    def get(self, request, number: int):
        batch = selectors.batch_get(number)
        page = self.paginate_queryset(selectors.applications_visible(request.actor, batch))
        return self.get_paginated_response(ApplicationOutput(page, many=True).data)

    @extend_schema(summary="提交或录入申报", request=ApplicationInput, responses={201: ApplicationOutput})
    def post(self, request, number: int):
        access = selectors.batch_access(request.actor, number)
        if not (access.may.apply or access.may.record_application):
            raise Forbidden()  # refused before the body is read
        batch = access.obj
        serializer = self.ApplicationInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        application = batch_services.application_submit(actor=request.actor, batch=batch, **serializer.validated_data)
        return Response(ApplicationOutput(application).data, status=status.HTTP_201_CREATED)


class ReviewApi(APIView):
    authentication_classes = AUTHENTICATION
    permission_classes = [IsVerifiedUser]

    class ReviewInput(serializers.Serializer):
        outcome = serializers.ChoiceField(choices=ApplicationCertificate.Outcome.choices)
        expert_score = api_fields.DecimalField(max_digits=None, decimal_places=None, required=False, allow_null=True)
        notice_from = serializers.DateField(required=False, allow_null=True)
        notice_until = serializers.DateField(required=False, allow_null=True)

    @extend_schema(summary="录入评审结果：专家评审分、公示期、决定（教育部）", request=ReviewInput, responses=ItemOutput)
    def post(self, request, number: int, pk: int):
        batch = selectors.batch_access(request.actor, number).require("review")
        item = selectors.application_item_get(request.actor, batch, pk)
        serializer = self.ReviewInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = batch_services.application_review_record(actor=request.actor, item=item, **serializer.validated_data)
        return Response(ItemOutput(item).data)


class BatchPublishApi(APIView):
    authentication_classes = AUTHENTICATION
    permission_classes = [IsVerifiedUser]

    @extend_schema(summary="公布遴选结果（教育部）", request=None, responses=inline_serializer(
        "BatchPublishOutput", {"certificates_created": serializers.IntegerField(),
                               "certificates_published": serializers.IntegerField(),
                               "orgs_created": serializers.IntegerField()}))
    def post(self, request, number: int):
        batch = selectors.batch_get(number)
        return Response(batch_services.batch_publish(actor=request.actor, batch=batch))
