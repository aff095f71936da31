"""The orgs part of the API: the registry (read by anyone signed in, written by the ministry) and
the org's e-seal (uploaded by the org itself, read by the org and the ministry)."""

import django_filters
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_schema import AnyOf
from accounts.personal_data import Field
from core import api_fields
from core.errors import AppError
from organizations.orgs import selectors
from organizations.orgs import services as org_services
from organizations.orgs.models import Org


class OrgFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", label="名称、统一社会信用代码或组织编码")
    org_type = django_filters.ChoiceFilter(choices=Org.OrgType.choices, label="类型")
    status = django_filters.ChoiceFilter(choices=Org.Status.choices, label="状态")
    batch_number = django_filters.NumberFilter(label="遴选批次")

    class Meta:
        model = Org
        fields = ["q", "org_type", "status", "batch_number"]

    def filter_q(self, queryset, name, value):
        return selectors.orgs_matching(queryset, value.strip())


class OrgPublicSerializer(serializers.Serializer):
    """What anyone signed in may know about an org."""

    id = serializers.IntegerField()
    code = serializers.CharField(allow_null=True, help_text="平台分配的 4 位组织编码，用于证书编号")
    name = serializers.CharField()
    org_type = serializers.CharField()
    org_type_label = serializers.CharField(source="get_org_type_display")
    batch_number = serializers.IntegerField(allow_null=True)
    status = serializers.CharField()
    status_label = serializers.CharField(source="get_status_display")


class OrgFullSerializer(OrgPublicSerializer):
    """The whole registry record: for those the personal-data policy shows the org's contacts (the
    ministry and the org itself). The contacts are rendered through that policy."""

    CONTACT_FIELDS = ("contact_name", "contact_phone", "contact_email", "address")

    credit_code = serializers.CharField()
    contact_name = serializers.CharField(allow_null=True)
    contact_phone = serializers.CharField(allow_null=True)
    contact_email = serializers.CharField(allow_null=True)
    address = serializers.CharField(allow_null=True)
    website = serializers.CharField()
    status_changed_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    current_seal_version = serializers.IntegerField(allow_null=True, required=False)

    def to_representation(self, access):
        data = super().to_representation(access.obj)
        for name in self.CONTACT_FIELDS:
            data[name] = access.show(Field.ORG_CONTACT, data[name])
        return data


# The whole record for the ministry and the org itself, the public facts for everyone else.
ORG_OUTPUT = AnyOf(component_name="Org", serializers=[OrgFullSerializer, OrgPublicSerializer])


def _output(access) -> dict:
    """One org as the actor of ``access`` may see it: the registry record or the public facts."""
    if selectors.shows_record(access):
        return OrgFullSerializer(access).data
    return OrgPublicSerializer(access.obj).data


class _OrgFields(serializers.Serializer):
    name = serializers.CharField(max_length=128)
    credit_code = api_fields.CodeField(max_length=24)
    org_type = serializers.ChoiceField(choices=Org.OrgType.choices)
    batch_number = api_fields.IntegerField(allow_null=True, required=False)
    contact_name = serializers.CharField(max_length=64, allow_blank=True, required=False)
    contact_phone = api_fields.PhoneField(max_length=32, allow_blank=True, required=False)
    contact_email = serializers.CharField(max_length=254, allow_blank=True, required=False)
    address = serializers.CharField(max_length=200, allow_blank=True, required=False)
    website = serializers.CharField(max_length=200, allow_blank=True, required=False)


class OrgCollectionApi(GenericAPIView):
    filterset_class = OrgFilter
    serializer_class = OrgPublicSerializer
    queryset = Org.objects.none()  # for the schema only; requests read through the selector

    @extend_schema_serializer(component_name="OrgCreateInput")
    class InputSerializer(_OrgFields):
        pass

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.orgs_public(self.request.actor)

    @extend_schema(summary="培训评价组织列表", responses=AnyOf(component_name="Org", serializers=[
        OrgFullSerializer, OrgPublicSerializer], many=True),
                   description="任何已登录用户可查看各组织的公开信息；联系人等信息只返回给教育部和该组织本身。")
    def get(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response([_output(a) for a in selectors.org_rows(request.actor, page)])

    @extend_schema(summary="登记培训评价组织（教育部）", request=InputSerializer, responses={201: OrgFullSerializer})
    def post(self, request):
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        org = org_services.org_create(actor=request.actor, **data.validated_data)
        return Response(_output(selectors.org_access(request.actor, org.pk)), status=status.HTTP_201_CREATED)


class OrgDetailApi(APIView):
    @extend_schema_serializer(component_name="OrgUpdateInput")
    class InputSerializer(_OrgFields):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, partial=True, **kwargs)

        def validate(self, attrs):
            # Reached only once the body is an object (a list or a scalar is refused before).
            unknown = sorted(set(self.initial_data) - set(self.fields))
            if unknown:
                raise AppError(_("这些字段不能在此修改：%(fields)s。") % {"fields": "、".join(unknown)},
                               code="not_editable")
            return attrs

    @extend_schema(summary="培训评价组织详情", responses=ORG_OUTPUT,
                   description="联系人等信息只返回给教育部和该组织本身。")
    def get(self, request, pk: int):
        return Response(_output(selectors.org_public_access(request.actor, pk)))

    @extend_schema(summary="修改培训评价组织信息（教育部）", request=InputSerializer, responses=OrgFullSerializer,
                   description="状态不能在此修改：黄牌、摘牌等由监管措施变更。")
    def patch(self, request, pk: int):
        org = selectors.org_access(request.actor, pk).obj  # the update service asks "edit"
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        org = org_services.org_update(actor=request.actor, org=org, **data.validated_data)
        return Response(_output(selectors.org_public_access(request.actor, org.pk)))
