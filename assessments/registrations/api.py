from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_pagination import PaginatedListMixin
from accounts.middleware import bulk_body
from accounts.models import IdType
from assessments.registrations import selectors as registrations_selectors
from assessments.registrations import services as registration_services
from assessments.registrations.forms import RegistrationFilter
from assessments.registrations.imports import REGISTRATION_SCHEMA, records_as_rows
from assessments.sessions import selectors as sessions_selectors
from assessments.sessions.api import BulkRows, _rows
from core import api_fields
from core.errors import AppError


class RegistrationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    session = serializers.IntegerField(source="session_id")
    name = serializers.CharField(source="person.name")
    name_given = serializers.CharField()
    name_mismatch = serializers.BooleanField()
    id_type = serializers.CharField(source="person.id_type")
    id_number = serializers.SerializerMethodField(
        help_text="本人、报名院校和考核组织看到完整号码，其他角色看到掩码（accounts.personal_data 决定）")
    institution = serializers.IntegerField(source="institution_id", allow_null=True)
    channel = serializers.CharField()
    major_code = serializers.CharField()
    major_name = serializers.CharField()
    status = serializers.CharField()
    absent = serializers.BooleanField()
    certificate = serializers.CharField(source="certificate.code")
    level = serializers.CharField()
    session_date = serializers.DateField()

    def get_id_number(self, obj) -> str | None:
        access = registrations_selectors.registration_access_of(self.context["actor"], obj)
        return access.show("id_number", obj.person.id_number)


class ActivationCodeOutput(serializers.Serializer):
    row = serializers.IntegerField()
    name = serializers.CharField()
    username = serializers.CharField()
    code = serializers.CharField(help_text="一次性激活码，只返回这一次")


class RegistrationListCreateApi(PaginatedListMixin, APIView):
    class RegistrationCreateInput(serializers.Serializer):
        session = api_fields.IntegerField()
        id_type = serializers.ChoiceField(choices=IdType.values, required=False, default=IdType.RESIDENT_ID)
        id_number = api_fields.IdNumberField(max_length=32, required=False, help_text="院校报名时必填；社会学习者本人报名不填")
        name = serializers.CharField(max_length=64, required=False)
        major_name = serializers.CharField(max_length=64, required=False)
        major_code = api_fields.CodeField(max_length=16, required=False, allow_blank=True, default="")

    class RegistrationCreated(RegistrationOutput):
        activation_code = ActivationCodeOutput(allow_null=True, required=False)

    @extend_schema(responses=RegistrationOutput(many=True), summary="报名列表（按范围；可按 session、certificate、status 筛选）")
    def get(self, request):
        visible = registrations_selectors.registrations_visible(request.actor)
        filterset = RegistrationFilter(request.query_params, queryset=visible)
        return self.paginated(filterset.qs.order_by("pk"), RegistrationOutput, context={"actor": request.actor})

    @extend_schema(request=RegistrationCreateInput, responses={201: RegistrationCreated},
                   summary="报名：院校为一名学生报名（学生无账户时返回一次性激活码）；社会学习者本人报名只需 session")
    def post(self, request):
        actor = request.actor
        data = self.RegistrationCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        session_access = sessions_selectors.session_access(actor, values.pop("session"))
        code = None
        if session_access.may.self_register:
            registration = registration_services.registration_self_create(actor=actor, session=session_access.obj)
        else:
            for key in ("id_number", "name", "major_name"):
                if not values.get(key):
                    raise AppError(_("院校报名须填写证件号码、姓名和专业名称。"), field=key)
            session = session_access.require("register")
            registration, code = registration_services.registration_create(actor=actor, session=session, **values)
        registration = registrations_selectors.registration_access(actor, registration.pk).obj
        body = {**RegistrationOutput(registration, context={"actor": actor}).data,
                "activation_code": ActivationCodeOutput(code).data if code else None}
        return Response(body, status=status.HTTP_201_CREATED)


@bulk_body
class RegistrationBulkApi(APIView):
    class RegistrationBulkRows(serializers.Serializer):
        rows = serializers.ListField(child=serializers.DictField(), allow_empty=False,
                                     help_text="每行的键同批量报名模板：id_type（选填）、id_number、name、major_code（选填）、major_name")

    class RegistrationBulkOutput(serializers.Serializer):
        created = serializers.IntegerField()
        reactivated = serializers.IntegerField()
        name_mismatches = serializers.IntegerField()
        activation_codes = ActivationCodeOutput(many=True, source="codes")

    @extend_schema(request=RegistrationBulkRows, responses=RegistrationBulkOutput,
                   summary="院校批量报名：逐行校验，任一行有错误或超出容量则全部不保存（错误按行号、列返回）")
    def post(self, request, pk: int):
        session = sessions_selectors.session_access(request.actor, pk).require("register")
        data = BulkRows(data=request.data)
        data.is_valid(raise_exception=True)
        rows = records_as_rows(_rows(data.validated_data["rows"]), REGISTRATION_SCHEMA)
        outcome = registration_services.registrations_rows_save(actor=request.actor, session=session, rows=rows)
        return Response(self.RegistrationBulkOutput(outcome).data, status=status.HTTP_201_CREATED)
