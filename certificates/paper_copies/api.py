from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.scoping import get_in_scope
from certificates.issuance import selectors as issuance_selectors
from certificates.paper_copies import selectors as paper_copies_selectors
from certificates.paper_copies import services as paper_copies
from certificates.paper_copies.models import PaperCopyOrder


class PaperOrderOutput(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.CharField(source="issued.number")
    recipient = serializers.CharField()
    phone = serializers.CharField()
    address = serializers.CharField()
    postcode = serializers.CharField()
    price = serializers.DecimalField(max_digits=6, decimal_places=2)
    status = serializers.CharField()
    carrier = serializers.CharField()
    tracking_number = serializers.CharField()
    created_at = serializers.DateTimeField()


class PaperOrderCreateApi(APIView):
    class PaperOrderInputSerializer(serializers.Serializer):
        recipient = serializers.CharField(allow_blank=True)
        phone = serializers.CharField(allow_blank=True)
        address = serializers.CharField(allow_blank=True)
        postcode = serializers.CharField(required=False, allow_blank=True)

    @extend_schema(summary="申请纸质证书（持证人）", request=PaperOrderInputSerializer, responses={201: PaperOrderOutput})
    def post(self, request, number: str):
        issued = issuance_selectors.issued_get(actor=request.actor, number=number)
        data = self.PaperOrderInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = paper_copies.paper_order_create(actor=request.actor, issued=issued, **data.validated_data)
        return Response(PaperOrderOutput(order).data, status=201)


class PaperOrderListApi(APIView):
    @extend_schema(summary="纸质证书订单（持证人本人；发证机构的打印队列）", responses=PaperOrderOutput(many=True))
    def get(self, request):
        status = request.query_params.get("status", "")
        orders = list(paper_copies_selectors.paper_orders(actor=request.actor, status=status)[:500])
        return Response(PaperOrderOutput(orders, many=True).data)


class PaperOrderAdvanceApi(APIView):
    class PaperAdvanceInputSerializer(serializers.Serializer):
        carrier = serializers.CharField(required=False, allow_blank=True)
        tracking_number = serializers.CharField(required=False, allow_blank=True)

    @extend_schema(summary="打印队列：标记已打印、已邮寄（须填快递单号）", request=PaperAdvanceInputSerializer,
                   responses=PaperOrderOutput)
    def post(self, request, pk: int):
        order = get_in_scope(PaperCopyOrder, request.actor, for_write=True, pk=pk)
        data = self.PaperAdvanceInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        order = paper_copies.paper_order_advance(actor=request.actor, order=order, **data.validated_data)
        return Response(PaperOrderOutput(order).data)
