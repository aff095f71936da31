from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api_pagination import PaginatedListMixin
from accounts.middleware import bulk_body
from assessments.registrations import selectors as registrations_selectors
from assessments.registrations.imports import records_as_rows
from assessments.results import selectors as results_selectors
from assessments.results import services as result_services
from assessments.results.forms import ReviewFilter
from assessments.results.imports import RESULT_SCHEMA
from assessments.sessions import selectors as sessions_selectors
from assessments.sessions.api import BulkRows, _rows
from core import api_fields


class SessionFinalizeApi(APIView):
    class FinalizeOutput(serializers.Serializer):
        passed = serializers.IntegerField()
        failed = serializers.IntegerField()
        absent = serializers.IntegerField()
        issuance_requests = serializers.IntegerField()

    @extend_schema(request=None, responses=FinalizeOutput,
                   summary="确认成绩：锁定成绩，全部合格考生同时交付发证（每个合格成绩一个发证请求）")
    def post(self, request, pk: int):
        session = sessions_selectors.session_access(request.actor, pk).require("finalize")
        outcome = result_services.session_finalize(actor=request.actor, session=session)
        return Response(self.FinalizeOutput(outcome).data)


class ResultOutput(serializers.Serializer):
    """A result whose score the policy shows the actor: ``results_visible`` holds no other."""

    id = serializers.IntegerField()
    registration = serializers.IntegerField(source="registration_id")
    session = serializers.IntegerField(source="registration.session_id")
    name = serializers.CharField(source="registration.person.name")
    score = serializers.DecimalField(max_digits=6, decimal_places=1)
    passed = serializers.BooleanField()
    certificate = serializers.CharField(source="certificate.code")
    level = serializers.CharField()
    session_date = serializers.DateField()


class ResultListApi(PaginatedListMixin, APIView):
    @extend_schema(responses=ResultOutput(many=True),
                   summary="成绩列表（组织看本组织全部；其他角色只看已确认的、本范围内的成绩；可按 session 筛选）")
    def get(self, request):
        qs = results_selectors.results_visible(request.actor).order_by("pk")
        session = request.query_params.get("session", "")
        if session.isdigit():
            qs = qs.filter(registration__session_id=int(session))
        return self.paginated(qs, ResultOutput)


@bulk_body
class ResultBulkApi(APIView):
    class ResultBulkRows(serializers.Serializer):
        rows = serializers.ListField(child=serializers.DictField(), allow_empty=False,
                                     help_text="每行：registration（报名号）或 id_number（证件号码）、name（选填）、"
                                               "score（成绩，或“缺考”；留空跳过）")

    class ResultBulkOutput(serializers.Serializer):
        recorded = serializers.IntegerField()
        corrected = serializers.IntegerField()
        unchanged = serializers.IntegerField()
        absent = serializers.IntegerField()
        skipped = serializers.IntegerField()

    @extend_schema(request=ResultBulkRows, responses=ResultBulkOutput,
                   summary="批量录入成绩：逐行校验，任一行有错误则全部不保存；成绩确认后不能再录入")
    def post(self, request, pk: int):
        session = sessions_selectors.session_access(request.actor, pk).require("enter_results")
        data = BulkRows(data=request.data)
        data.is_valid(raise_exception=True)
        rows = records_as_rows(_rows(data.validated_data["rows"]), RESULT_SCHEMA)
        outcome = result_services.results_rows_save(actor=request.actor, session=session, rows=rows)
        return Response(self.ResultBulkOutput(outcome).data)


class ResultAmendApi(APIView):
    class ResultAmendInput(serializers.Serializer):
        score = serializers.CharField(max_length=10)
        reason = serializers.CharField(max_length=1000)

    @extend_schema(request=ResultAmendInput, responses=ResultOutput,
                   summary="成绩更正（成绩确认后，须说明原因；不合格更正为合格的同时交付发证）")
    def post(self, request, pk: int):
        result = results_selectors.result_access(request.actor, pk).require("amend_score")
        data = self.ResultAmendInput(data=request.data)
        data.is_valid(raise_exception=True)
        result_services.result_amend(actor=request.actor, result=result, **data.validated_data)
        return Response(ResultOutput(results_selectors.result_access(request.actor, pk).obj).data)


class ReviewOutput(serializers.Serializer):
    id = serializers.IntegerField()
    registration = serializers.IntegerField(source="registration_id")
    reason = serializers.CharField()
    status = serializers.CharField()
    answer = serializers.CharField()
    amendment = serializers.IntegerField(source="amendment_id", allow_null=True)
    requested_at = serializers.DateTimeField()
    answered_at = serializers.DateTimeField(allow_null=True)


class ReviewListCreateApi(PaginatedListMixin, APIView):
    class ReviewCreateInput(serializers.Serializer):
        registration = api_fields.IntegerField()
        reason = serializers.CharField(max_length=1000)

    @extend_schema(responses=ReviewOutput(many=True), summary="成绩复核申请（按范围）")
    def get(self, request):
        filterset = ReviewFilter(request.query_params, queryset=results_selectors.reviews_visible(request.actor))
        return self.paginated(filterset.qs, ReviewOutput)

    @extend_schema(request=ReviewCreateInput, responses={201: ReviewOutput}, summary="考生申请成绩复核")
    def post(self, request):
        data = self.ReviewCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        registration = registrations_selectors.registration_access(request.actor,
                                                                   data.validated_data["registration"]).obj
        review = result_services.score_review_request(actor=request.actor, registration=registration,
                                                      reason=data.validated_data["reason"])
        return Response(ReviewOutput(review).data, status=status.HTTP_201_CREATED)


class ReviewAnswerApi(APIView):
    class ReviewAnswerInput(serializers.Serializer):
        decision = serializers.ChoiceField(choices=["maintained", "amended"], help_text="maintained 维持；amended 更正")
        answer = serializers.CharField(max_length=1000)
        score = serializers.CharField(max_length=10, required=False, allow_blank=True, default="")

    @extend_schema(request=ReviewAnswerInput, responses=ReviewOutput,
                   summary="培训评价组织答复复核：维持原成绩，或更正成绩（生成成绩更正记录）")
    def post(self, request, pk: int):
        review = results_selectors.review_access(request.actor, pk).require("answer")
        data = self.ReviewAnswerInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        review = result_services.score_review_answer(actor=request.actor, review=review,
                                                     amend=values["decision"] == "amended", answer=values["answer"],
                                                     score=values["score"])
        return Response(ReviewOutput(review).data)
