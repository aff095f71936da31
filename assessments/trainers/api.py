from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_pagination import PaginatedListMixin
from accounts.models import IdType
from assessments.trainers import selectors
from assessments.trainers import services as trainers
from assessments.trainers.filters import TrainerFilter
from certificates.catalog.models import Certificate
from core import api_fields
from core.errors import AppError


class TrainerOutput(serializers.Serializer):
    id = serializers.IntegerField()
    institution = serializers.IntegerField(source="institution_id")
    institution_name = serializers.CharField(source="institution.name")
    name = serializers.CharField(source="person.name")
    id_number = serializers.SerializerMethodField(
        help_text="本院校和培训该教师的组织看到完整号码，其他角色看到掩码（accounts.personal_data 决定）")
    subject = serializers.CharField()
    certificate = serializers.CharField(source="certificate.code")
    org = serializers.CharField(source="certificate.org.name")
    training_date = serializers.DateField()
    reported_qualified = serializers.BooleanField()
    attendance_confirmed = serializers.BooleanField(allow_null=True)
    qualified = serializers.BooleanField(allow_null=True)
    confirmed_at = serializers.DateTimeField(allow_null=True)

    def get_id_number(self, obj) -> str | None:
        access = selectors.trainer_access_of(self.context["actor"], obj)
        return access.show("trainer_id_number", obj.person.id_number)


class TrainerListCreateApi(PaginatedListMixin, APIView):
    class TrainerCreateInput(serializers.Serializer):
        name = serializers.CharField(max_length=64)
        id_type = serializers.ChoiceField(choices=[IdType.RESIDENT_ID, IdType.HMT_RESIDENCE],
                                          default=IdType.RESIDENT_ID)
        id_number = api_fields.IdNumberField(max_length=32)
        subject = serializers.CharField(max_length=64)
        certificate = api_fields.CodeField(help_text="证书代码")
        training_date = serializers.DateField()
        reported_qualified = serializers.BooleanField(default=False)

    @extend_schema(responses=TrainerOutput(many=True), summary="培训师资格记录（按范围）")
    def get(self, request):
        filterset = TrainerFilter(request.query_params, queryset=selectors.trainer_records_visible(request.actor))
        return self.paginated(filterset.qs, TrainerOutput, context={"actor": request.actor})

    @extend_schema(request=TrainerCreateInput, responses={201: TrainerOutput}, summary="院校登记参加培训的教师")
    def post(self, request):
        data = self.TrainerCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        certificate = Certificate.objects.filter(code=values.pop("certificate")).first()
        if certificate is None:
            raise AppError(_("证书代码不在证书目录中。"), field="certificate")
        record = trainers.trainer_record_create(actor=request.actor, certificate=certificate, **values)
        return Response(TrainerOutput(record, context={"actor": request.actor}).data, status=status.HTTP_201_CREATED)


class TrainerConfirmApi(APIView):
    class TrainerConfirmInput(serializers.Serializer):
        attended = serializers.BooleanField()
        qualified = serializers.BooleanField()

    @extend_schema(request=TrainerConfirmInput, responses=TrainerOutput, summary="培训评价组织确认参训与合格培训师")
    def post(self, request, pk: int):
        record = selectors.trainer_access(request.actor, pk).require("confirm")
        data = self.TrainerConfirmInput(data=request.data)
        data.is_valid(raise_exception=True)
        record = trainers.trainer_record_confirm(actor=request.actor, record=record, **data.validated_data)
        return Response(TrainerOutput(record, context={"actor": request.actor}).data)
