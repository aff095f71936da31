"""The institution registry over the API (/api/v1/institutions), with the scopes of the pages."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_pagination import PaginatedListMixin
from core import api_fields
from core.errors import AppError
from organizations.institutions import selectors, services
from organizations.institutions.models import Alliance, Institution


class InstitutionOutput(serializers.ModelSerializer):
    province = serializers.CharField(source="province_id")
    province_name = serializers.CharField(source="province.name")
    alliance_name = serializers.CharField(source="alliance.name", default=None, allow_null=True)

    class Meta:
        model = Institution
        fields = ["id", "name", "school_code", "institution_type", "province", "province_name", "city", "alliance",
                  "alliance_name"]


class InstitutionInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    school_code = api_fields.CodeField(max_length=32)
    institution_type = serializers.ChoiceField(choices=Institution.InstitutionType.choices)
    city = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    alliance = api_fields.IntegerField(required=False, allow_null=True, default=None)


def _alliance(actor, alliance_id) -> Alliance | None:
    if alliance_id is None:
        return None
    alliance = selectors.alliances_of_province(actor).filter(pk=alliance_id).first()
    if alliance is None:
        raise AppError(_("只能选择本省的院校联盟。"), field="alliance")
    return alliance


class InstitutionListCreateApi(PaginatedListMixin, APIView):
    @extend_schema(responses=InstitutionOutput(many=True), summary="院校名录（按范围）")
    def get(self, request):
        qs = selectors.institutions_visible(request.actor, query=request.query_params.get("q", "").strip(),
                                            institution_type=request.query_params.get("institution_type", ""),
                                            province=request.query_params.get("province", ""))
        return self.paginated(qs, InstitutionOutput)

    @extend_schema(request=InstitutionInput, responses={201: InstitutionOutput}, summary="登记本省院校")
    def post(self, request):
        data = InstitutionInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values["alliance"] = _alliance(request.actor, values.get("alliance"))
        institution = services.institution_create(actor=request.actor, **values)
        return Response(InstitutionOutput(institution).data, status=status.HTTP_201_CREATED)


class InstitutionDetailApi(APIView):
    @extend_schema(responses=InstitutionOutput, summary="院校详情")
    def get(self, request, pk: int):
        return Response(InstitutionOutput(selectors.institution_access(request.actor, pk).obj).data)

    @extend_schema(request=InstitutionInput, responses=InstitutionOutput, summary="修改本省院校信息")
    def put(self, request, pk: int):
        institution = selectors.institution_access(request.actor, pk).require("edit")
        data = InstitutionInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values["alliance"] = _alliance(request.actor, values.get("alliance"))
        institution = services.institution_update(actor=request.actor, institution=institution, **values)
        return Response(InstitutionOutput(institution).data)
