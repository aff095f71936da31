"""The accounts part of the API: who am I, in which role and scope."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView


class MeView(APIView):
    class OutputSerializer(serializers.Serializer):
        username = serializers.CharField()
        full_name = serializers.CharField()
        role = serializers.CharField(allow_null=True)
        role_label = serializers.CharField()
        scope_label = serializers.CharField()
        province = serializers.CharField(allow_null=True)

    @extend_schema(responses=OutputSerializer, summary="当前用户、角色与范围")
    def get(self, request):
        actor = request.actor
        return Response(self.OutputSerializer({
            "username": actor.user.username, "full_name": actor.user.full_name, "role": actor.role,
            "role_label": str(actor.role_label), "scope_label": actor.scope_label,
            "province": actor.province_code}).data)
