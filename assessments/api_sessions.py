"""Sites, sessions, registrations (one, bulk), scores (bulk), finalization, amendments and score
reviews over the API, with the scopes and validation of the pages (the same selectors and services;
bulk rows go through the same row validators as uploaded files, all or nothing)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.errors import AppError, NotInScope
from accounts.models import IdType, Province, Role
from accounts.tabular import MAX_ROWS
from assessments import selectors_sessions as selectors
from assessments.forms_sessions import RegistrationFilter, ReviewFilter, SessionFilter
from assessments.imports_registrations import REGISTRATION_SCHEMA, records_as_rows
from assessments.imports_results import RESULT_SCHEMA
from assessments.services import registrations as registration_services
from assessments.services import results as result_services
from assessments.services import sessions as session_services
from certificates.models import Certificate, Level
from organizations.models import Institution


def _paginate(request, view, qs, serializer, **kwargs):
    paginator = LimitOffsetPagination()
    page = paginator.paginate_queryset(qs, request, view=view)
    return paginator.get_paginated_response(serializer(page, many=True, **kwargs).data)


def _rows(records: list) -> list:
    if len(records) > MAX_ROWS:
        raise AppError(_("一次最多提交 %(n)s 行，请分批提交。") % {"n": f"{MAX_ROWS:,}"}, code="too_many_rows")
    return records


class BulkRows(serializers.Serializer):
    rows = serializers.ListField(child=serializers.DictField(), allow_empty=False)


# --- sites -------------------------------------------------------------------------------------------

class SiteOutput(serializers.Serializer):
    id = serializers.IntegerField()
    org = serializers.IntegerField(source="org_id")
    code = serializers.CharField()
    name = serializers.CharField()
    province = serializers.CharField(source="province_id")
    city = serializers.CharField()
    address = serializers.CharField()
    institution = serializers.IntegerField(source="institution_id", allow_null=True)
    active = serializers.BooleanField()


class SiteListCreateApi(APIView):
    class SiteCreateInput(serializers.Serializer):
        code = serializers.CharField(max_length=8)
        name = serializers.CharField(max_length=128)
        province = serializers.CharField(max_length=2, help_text="省份代码，如 42")
        city = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
        address = serializers.CharField(max_length=200)
        institution = serializers.IntegerField(required=False, allow_null=True, default=None)

    @extend_schema(responses=SiteOutput(many=True), summary="考点列表（按范围）")
    def get(self, request):
        return _paginate(request, self, selectors.sites_visible(request.actor), SiteOutput)

    @extend_schema(request=SiteCreateInput, responses={201: SiteOutput}, summary="培训评价组织登记考点")
    def post(self, request):
        data = self.SiteCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values["province"] = Province.objects.filter(pk=values["province"]).first()
        institution_id = values.pop("institution")
        values["institution"] = Institution.objects.filter(pk=institution_id).first() if institution_id else None
        site = session_services.site_create(actor=request.actor, **values)
        return Response(SiteOutput(site).data, status=status.HTTP_201_CREATED)


# --- sessions ----------------------------------------------------------------------------------------

class SessionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    org = serializers.IntegerField(source="org_id")
    org_name = serializers.CharField(source="org.name")
    certificate = serializers.CharField(source="certificate.code")
    certificate_name = serializers.CharField(source="certificate.name")
    level = serializers.CharField()
    assessment_type = serializers.CharField()
    site = serializers.IntegerField(source="site_id")
    site_code = serializers.CharField(source="site.code")
    site_name = serializers.CharField(source="site.name")
    province = serializers.CharField(source="province_id")
    date = serializers.DateField()
    start_time = serializers.TimeField(allow_null=True)
    capacity = serializers.IntegerField()
    status = serializers.CharField()
    finalized_at = serializers.DateTimeField(allow_null=True)


class SessionListCreateApi(APIView):
    class SessionCreateInput(serializers.Serializer):
        certificate = serializers.CharField(help_text="证书代码")
        level = serializers.ChoiceField(choices=Level.values)
        site = serializers.IntegerField(help_text="本组织的考点 id")
        date = serializers.DateField()
        start_time = serializers.TimeField(required=False, allow_null=True, default=None)
        capacity = serializers.IntegerField()
        examiners = serializers.CharField(required=False, allow_blank=True, default="")

    @extend_schema(responses=SessionOutput(many=True),
                   summary="考核批次列表（组织：本组织；省级：本省；院校和学生：正在报名的及本人/本校参加的）")
    def get(self, request):
        filterset = SessionFilter(request.query_params, queryset=selectors.sessions_visible(request.actor))
        return _paginate(request, self, filterset.qs.order_by("-date", "-pk"), SessionOutput)

    @extend_schema(request=SessionCreateInput, responses={201: SessionOutput}, summary="培训评价组织安排考核批次")
    def post(self, request):
        data = self.SessionCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        certificate = Certificate.objects.filter(code=values.pop("certificate").strip().upper()).first()
        if certificate is None:
            raise AppError(_("证书代码不在证书目录中。"), field="certificate")
        site_id = values.pop("site")
        site = selectors.sites_usable(request.actor).filter(pk=site_id).first() if request.actor.role == Role.ORG \
            else None
        if site is None and request.actor.role == Role.ORG:
            raise NotInScope(_("考点不存在或不属于本组织。"))
        session = session_services.session_create(actor=request.actor, certificate=certificate, site=site, **values)
        return Response(SessionOutput(selectors.session_get(request.actor, session.pk)).data,
                        status=status.HTTP_201_CREATED)


class SessionDetailApi(APIView):
    @extend_schema(responses=SessionOutput, summary="考核批次详情")
    def get(self, request, pk: int):
        return Response(SessionOutput(selectors.session_get(request.actor, pk)).data)


class SessionFinalizeApi(APIView):
    class FinalizeOutput(serializers.Serializer):
        passed = serializers.IntegerField()
        failed = serializers.IntegerField()
        absent = serializers.IntegerField()
        issuance_requests = serializers.IntegerField()

    @extend_schema(request=None, responses=FinalizeOutput,
                   summary="确认成绩：锁定成绩，全部合格考生同时交付发证（每个合格成绩一个发证请求）")
    def post(self, request, pk: int):
        session = selectors.session_get(request.actor, pk, for_write=True)
        outcome = result_services.session_finalize(actor=request.actor, session=session)
        return Response(self.FinalizeOutput(outcome).data)


# --- registrations -----------------------------------------------------------------------------------

class RegistrationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    session = serializers.IntegerField(source="session_id")
    name = serializers.CharField(source="person.name")
    name_given = serializers.CharField()
    name_mismatch = serializers.BooleanField()
    id_type = serializers.CharField(source="person.id_type")
    id_number = serializers.SerializerMethodField(help_text="本人、报名院校和考核组织看到完整号码，其他角色看到掩码")
    institution = serializers.IntegerField(source="institution_id", allow_null=True)
    channel = serializers.CharField()
    major_code = serializers.CharField()
    major_name = serializers.CharField()
    status = serializers.CharField()
    absent = serializers.BooleanField()
    certificate = serializers.CharField(source="certificate.code")
    level = serializers.CharField()
    session_date = serializers.DateField()

    def get_id_number(self, obj) -> str:
        return selectors.id_display(self.context["actor"], obj)


class ActivationCodeOutput(serializers.Serializer):
    row = serializers.IntegerField()
    name = serializers.CharField()
    username = serializers.CharField()
    code = serializers.CharField(help_text="一次性激活码，只返回这一次")


class RegistrationListCreateApi(APIView):
    class RegistrationCreateInput(serializers.Serializer):
        session = serializers.IntegerField()
        id_type = serializers.ChoiceField(choices=IdType.values, required=False, default=IdType.RESIDENT_ID)
        id_number = serializers.CharField(max_length=32, required=False, help_text="院校报名时必填；社会学习者本人报名不填")
        name = serializers.CharField(max_length=64, required=False)
        major_name = serializers.CharField(max_length=64, required=False)
        major_code = serializers.CharField(max_length=16, required=False, allow_blank=True, default="")

    class RegistrationCreated(RegistrationOutput):
        activation_code = ActivationCodeOutput(allow_null=True, required=False)

    @extend_schema(responses=RegistrationOutput(many=True), summary="报名列表（按范围；可按 session、certificate、status 筛选）")
    def get(self, request):
        filterset = RegistrationFilter(request.query_params, queryset=selectors.registrations_visible(request.actor))
        return _paginate(request, self, filterset.qs.order_by("pk"), RegistrationOutput,
                         context={"actor": request.actor})

    @extend_schema(request=RegistrationCreateInput, responses={201: RegistrationCreated},
                   summary="报名：院校为一名学生报名（学生无账户时返回一次性激活码）；社会学习者本人报名只需 session")
    def post(self, request):
        actor = request.actor
        data = self.RegistrationCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        session = selectors.session_get(actor, values.pop("session"))
        code = None
        if actor.role == Role.STUDENT:
            registration = registration_services.registration_self_create(actor=actor, session=session)
        else:
            for key in ("id_number", "name", "major_name"):
                if not values.get(key):
                    raise AppError(_("院校报名须填写证件号码、姓名和专业名称。"), field=key)
            registration, code = registration_services.registration_create(actor=actor, session=session, **values)
        registration = selectors.registration_get(actor, registration.pk)
        body = {**RegistrationOutput(registration, context={"actor": actor}).data,
                "activation_code": ActivationCodeOutput(code).data if code else None}
        return Response(body, status=status.HTTP_201_CREATED)


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
        session = selectors.session_get(request.actor, pk)
        data = BulkRows(data=request.data)
        data.is_valid(raise_exception=True)
        rows = records_as_rows(_rows(data.validated_data["rows"]), REGISTRATION_SCHEMA)
        outcome = registration_services.registrations_rows_save(actor=request.actor, session=session, rows=rows)
        return Response(self.RegistrationBulkOutput(outcome).data, status=status.HTTP_201_CREATED)


# --- results -----------------------------------------------------------------------------------------

class ResultOutput(serializers.Serializer):
    id = serializers.IntegerField()
    registration = serializers.IntegerField(source="registration_id")
    session = serializers.IntegerField(source="registration.session_id")
    name = serializers.CharField(source="registration.person.name")
    score = serializers.DecimalField(max_digits=6, decimal_places=1)
    passed = serializers.BooleanField()
    certificate = serializers.CharField(source="certificate.code")
    level = serializers.CharField()
    session_date = serializers.DateField()


class ResultListApi(APIView):
    @extend_schema(responses=ResultOutput(many=True),
                   summary="成绩列表（组织看本组织全部；其他角色只看已确认的、本范围内的成绩；可按 session 筛选）")
    def get(self, request):
        qs = selectors.results_visible(request.actor).order_by("pk")
        session = request.query_params.get("session", "")
        if session.isdigit():
            qs = qs.filter(registration__session_id=int(session))
        return _paginate(request, self, qs, ResultOutput)


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
        session = selectors.session_get(request.actor, pk)
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
        result = selectors.result_get(request.actor, pk)
        data = self.ResultAmendInput(data=request.data)
        data.is_valid(raise_exception=True)
        result_services.result_amend(actor=request.actor, result=result, **data.validated_data)
        return Response(ResultOutput(selectors.result_get(request.actor, pk)).data)


# --- score reviews -----------------------------------------------------------------------------------

class ReviewOutput(serializers.Serializer):
    id = serializers.IntegerField()
    registration = serializers.IntegerField(source="registration_id")
    reason = serializers.CharField()
    status = serializers.CharField()
    answer = serializers.CharField()
    amendment = serializers.IntegerField(source="amendment_id", allow_null=True)
    requested_at = serializers.DateTimeField()
    answered_at = serializers.DateTimeField(allow_null=True)


class ReviewListCreateApi(APIView):
    class ReviewCreateInput(serializers.Serializer):
        registration = serializers.IntegerField()
        reason = serializers.CharField(max_length=1000)

    @extend_schema(responses=ReviewOutput(many=True), summary="成绩复核申请（按范围）")
    def get(self, request):
        filterset = ReviewFilter(request.query_params, queryset=selectors.reviews_visible(request.actor))
        return _paginate(request, self, filterset.qs, ReviewOutput)

    @extend_schema(request=ReviewCreateInput, responses={201: ReviewOutput}, summary="考生申请成绩复核")
    def post(self, request):
        data = self.ReviewCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        registration = selectors.registration_get(request.actor, data.validated_data["registration"])
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
        review = selectors.review_get(request.actor, pk)
        data = self.ReviewAnswerInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        review = result_services.score_review_answer(actor=request.actor, review=review,
                                                     amend=values["decision"] == "amended", answer=values["answer"],
                                                     score=values["score"])
        return Response(ReviewOutput(review).data)
