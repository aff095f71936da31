from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from organizations.orgs import selectors as orgs_selectors
from organizations.seals import selectors as seals_selectors
from organizations.seals.services import DEFAULT_PRINTED_MM, PRINTED_MM_RANGE, org_seal_upload
from organizations.seals.views import seal_response


class OrgSealUploadApi(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema_serializer(component_name="OrgSealUploadInput")
    class InputSerializer(serializers.Serializer):
        file = serializers.FileField(help_text="PNG 或 JPEG，不超过 2 MB")
        printed_mm = serializers.IntegerField(default=DEFAULT_PRINTED_MM, min_value=PRINTED_MM_RANGE[0],
                                              max_value=PRINTED_MM_RANGE[1], help_text="印面直径（毫米）")

    @extend_schema_serializer(component_name="OrgSeal")
    class OutputSerializer(serializers.Serializer):
        version = serializers.IntegerField()
        width_px = serializers.IntegerField()
        height_px = serializers.IntegerField()
        printed_mm = serializers.IntegerField()
        size = serializers.IntegerField()
        uploaded_at = serializers.DateTimeField()

    @extend_schema(summary="上传电子公章（组织本身）", request={"multipart/form-data": InputSerializer},
                   responses={201: OutputSerializer})
    def post(self, request, pk: int):
        org = orgs_selectors.org_access(request.actor, pk).obj  # the upload service asks "upload_seal"
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        seal = org_seal_upload(actor=request.actor, org=org, upload=data.validated_data["file"],
                               printed_mm=data.validated_data["printed_mm"])
        return Response(self.OutputSerializer(seal).data, status=status.HTTP_201_CREATED)


class OrgSealCurrentApi(APIView):
    @extend_schema(summary="当前电子公章图片（组织本身和教育部）",
                   responses={(200, "image/png"): OpenApiResponse(OpenApiTypes.BINARY, description="PNG 图片"),
                              404: OpenApiResponse(description="无权查看或尚未上传")})
    def get(self, request, pk: int):
        return seal_response(seals_selectors.org_seal_for_file(request.actor, pk), immutable=False)
