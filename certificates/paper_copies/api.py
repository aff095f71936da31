"""The API of paper copies: the holder orders one, the org works its print queue. Same access
decisions as the pages; the recipient's phone and address through accounts.personal_data."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from certificates.issuance import selectors as issuance_selectors
from certificates.paper_copies import selectors
from certificates.paper_copies import services as paper_copies
from core import api_fields


class PaperOrderOutput(serializers.Serializer):
    """A paper-copy order, serialized from its ``Access`` (the order and what the actor may see)."""

    id = serializers.IntegerField(source="obj.id")
    number = serializers.CharField(source="obj.issued.number")
    recipient = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()
    address = serializers.SerializerMethodField()
    postcode = serializers.SerializerMethodField()
    price = serializers.DecimalField(max_digits=6, decimal_places=2, source="obj.price")
    status = serializers.CharField(source="obj.status")
    carrier = serializers.CharField(source="obj.carrier")
    tracking_number = serializers.CharField(source="obj.tracking_number")
    created_at = serializers.DateTimeField(source="obj.created_at")

    def get_recipient(self, access) -> str | None:
        return access.show("name", access.obj.recipient)

    def get_phone(self, access) -> str | None:
        return access.show("address", access.obj.phone)

    def get_address(self, access) -> str | None:
        return access.show("address", access.obj.address)

    def get_postcode(self, access) -> str | None:
        return access.show("address", access.obj.postcode)


def _output(actor, order) -> dict:
    (access,) = selectors.paper_order_rows(actor, [order])
    return PaperOrderOutput(access).data


class PaperOrderCreateApi(APIView):
    class PaperOrderInputSerializer(serializers.Serializer):
        recipient = serializers.CharField(allow_blank=True)
        phone = api_fields.PhoneField(allow_blank=True)
        address = serializers.CharField(allow_blank=True)
        postcode = api_fields.CodeField(required=False, allow_blank=True)

    @extend_schema(summary="申请纸质证书（持证人）", request=PaperOrderInputSerializer, responses={201: PaperOrderOutput})
    def post(self, request, number: str):
        access = issuance_selectors.issued_certificate_access(actor=request.actor, number=number)
        issued = access.require("order_paper_copy", message=selectors.paper_copy_refusal(access))
        data = self.PaperOrderInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = paper_copies.paper_order_create(actor=request.actor, issued=issued, **data.validated_data)
        return Response(_output(request.actor, order), status=201)


class PaperOrderListApi(APIView):
    @extend_schema(summary="纸质证书订单（持证人本人；发证机构的打印队列）", responses=PaperOrderOutput(many=True))
    def get(self, request):
        status = request.query_params.get("status", "")
        orders = selectors.paper_orders(actor=request.actor, status=status)[:500]
        return Response(PaperOrderOutput(list(selectors.paper_order_rows(request.actor, orders)), many=True).data)


class PaperOrderAdvanceApi(APIView):
    class PaperAdvanceInputSerializer(serializers.Serializer):
        carrier = serializers.CharField(required=False, allow_blank=True)
        tracking_number = api_fields.CodeField(required=False, allow_blank=True)

    @extend_schema(summary="打印队列：标记已打印、已邮寄（须填快递单号）", request=PaperAdvanceInputSerializer,
                   responses=PaperOrderOutput)
    def post(self, request, pk: int):
        order = selectors.paper_order_access(actor=request.actor, pk=pk).require("advance")
        data = self.PaperAdvanceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = paper_copies.paper_order_advance(actor=request.actor, order=order, **data.validated_data)
        return Response(_output(request.actor, order))
