from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.notification_kinds import render


class Province(models.Model):
    """A provincial-level division with its GB/T 2260 code; 新疆生产建设兵团 is kept apart."""

    code = models.CharField(_("代码"), max_length=2, primary_key=True)
    name = models.CharField(_("名称"), max_length=32, unique=True)
    short_name = models.CharField(_("简称"), max_length=16)
    is_gbt2260 = models.BooleanField(_("GB/T 2260 省级行政区"), default=True)
    sort_order = models.PositiveSmallIntegerField(default=0)

    scope_paths = {"province": "code"}

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("省份")
        verbose_name_plural = _("省份")

    def __str__(self):
        return self.name


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("居民身份证")
    HMT_RESIDENCE = "hmt_residence", _("港澳台居民居住证")
    PASSPORT = "passport", _("护照")
    FOREIGN_PERMANENT = "foreign_permanent", _("外国人永久居留身份证")
    OTHER = "other", _("其他证件")


class Person(models.Model):
    """One human being (student, social learner, teacher), keyed by ID type and number.

    The current name is kept here for speed; every name the person has had is in PersonName, so a
    name correction never splits a person.
    """

    id_type = models.CharField(_("证件类型"), max_length=24, choices=IdType.choices, default=IdType.RESIDENT_ID)
    id_number = models.CharField(_("证件号码"), max_length=32)
    name = models.CharField(_("姓名"), max_length=64)
    # The mobile phone on file for this person (proved by an SMS code at sign-up): whoever proves
    # it again may claim the person's record for an account (accounts/signup).
    # db_default too: people are also written by COPY (core.bulk), which names only some columns.
    phone = models.CharField(_("手机号码"), max_length=20, blank=True, default="", db_default="")
    created_at = models.DateTimeField(auto_now_add=True)

    scope_paths = {"person": "pk"}

    class Meta:
        constraints = [models.UniqueConstraint(fields=["id_type", "id_number"], name="person_unique_identity")]
        verbose_name = _("人员")
        verbose_name_plural = _("人员")

    def __str__(self):
        return self.name


class PersonName(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(_("姓名"), max_length=64)
    valid_from = models.DateTimeField(_("生效时间"), default=timezone.now)
    reason = models.CharField(_("原因"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    class Meta:
        ordering = ["valid_from", "pk"]
        verbose_name = _("姓名记录")
        verbose_name_plural = _("姓名记录")


class PilotUserManager(UserManager):
    pass


class User(AbstractUser):
    full_name = models.CharField(_("姓名"), max_length=64, blank=True)
    phone = models.CharField(_("手机号码"), max_length=20, blank=True)
    person = models.OneToOneField(Person, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="user", verbose_name=_("对应人员"))
    created_by = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    failed_logins = models.PositiveSmallIntegerField(default=0)
    locked_until = models.DateTimeField(null=True, blank=True)

    objects = PilotUserManager()

    scope_paths = {"province": "role_bindings__province", "person": "person"}
    scope_distinct = True

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self):
        return self.full_name or self.username

    @property
    def is_locked(self) -> bool:
        return bool(self.locked_until and self.locked_until > timezone.now())


class Role(models.TextChoices):
    MINISTRY = "ministry", _("教育部")
    PROVINCE = "province", _("省级教育行政部门")
    PROVINCE_AGENCY = "province_agency", _("省级试点工作指导协调机构")
    INSTITUTION = "institution", _("院校")
    ALLIANCE = "alliance", _("院校联盟")
    ORG = "org", _("培训评价组织")
    STUDENT = "student", _("学生/社会学习者")


class ScopeKind(models.TextChoices):
    """What a role's scope is measured in; the scope helper filters along these dimensions."""

    NATIONAL = "national"
    PROVINCE = "province"
    INSTITUTION = "institution"
    ORG = "org"
    PERSON = "person"


ROLE_SCOPE_KIND = {
    Role.MINISTRY: ScopeKind.NATIONAL,
    Role.PROVINCE: ScopeKind.PROVINCE,
    Role.PROVINCE_AGENCY: ScopeKind.PROVINCE,
    Role.INSTITUTION: ScopeKind.INSTITUTION,
    Role.ALLIANCE: ScopeKind.INSTITUTION,
    Role.ORG: ScopeKind.ORG,
    Role.STUDENT: ScopeKind.PERSON,
}
# Roles whose binding names an object of a higher layer (an org, institution or alliance) by id:
# accounts may not point at those models, so the id is kept here and resolved through scope hooks.
ROLES_WITH_SCOPE_ID = (Role.INSTITUTION, Role.ALLIANCE, Role.ORG)
ROLES_WITH_PROVINCE = (Role.PROVINCE, Role.PROVINCE_AGENCY)
# Who creates whom: the ministry creates provincial and org accounts (and its own colleagues);
# a province creates the accounts of its institutions and alliances.
CREATABLE_ROLES = {
    Role.MINISTRY: {Role.MINISTRY, Role.PROVINCE, Role.PROVINCE_AGENCY, Role.ORG},
    Role.PROVINCE: {Role.INSTITUTION, Role.ALLIANCE},
}


class RoleBinding(models.Model):
    """A role bound to its scope. Several staff may share one scope; a user may hold several."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_bindings")
    role = models.CharField(_("角色"), max_length=24, choices=Role.choices)
    # Required for provincial roles; for institutions and alliances it records their province so
    # that a province can list the accounts it created.
    province = models.ForeignKey(Province, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    scope_id = models.BigIntegerField(_("范围对象"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    scope_paths = {"province": "province"}

    class Meta:
        constraints = [
            models.UniqueConstraint("user", "role", Coalesce("province", Value("")), Coalesce("scope_id", Value(0)),
                                    name="rolebinding_unique"),
            models.CheckConstraint(
                name="rolebinding_scope_matches_role",
                condition=(
                    Q(role__in=["ministry", "student"], province__isnull=True, scope_id__isnull=True)
                    | Q(role__in=["province", "province_agency"], province__isnull=False, scope_id__isnull=True)
                    | Q(role__in=["institution", "alliance"], province__isnull=False, scope_id__isnull=False)
                    | Q(role="org", province__isnull=True, scope_id__isnull=False)
                ),
            ),
        ]
        ordering = ["pk"]
        verbose_name = _("角色绑定")
        verbose_name_plural = _("角色绑定")

    def __str__(self):
        return f"{self.user} · {self.get_role_display()}"

    @property
    def scope_kind(self) -> str:
        return ROLE_SCOPE_KIND[self.role]


class ActivationCode(models.Model):
    """A one-time code that activates an account or resets its password. Only its hash is stored."""

    class Purpose(models.TextChoices):
        ACTIVATE = "activate", _("激活账户")
        RESET = "reset", _("重置密码")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="activation_codes")
    purpose = models.CharField(max_length=16, choices=Purpose.choices)
    code_hash = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-created_at"]


class AuditEntry(models.Model):
    """Who did what to which object, when, and which fields changed. Never edited."""

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                              verbose_name=_("操作人"))
    actor_role = models.CharField(_("操作角色"), max_length=24, blank=True)
    action = models.CharField(_("操作代码"), max_length=64, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=64, blank=True, db_index=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    province = models.ForeignKey(Province, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    note = models.TextField(_("说明"), blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["object_type", "object_id"])]
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"


class Notification(models.Model):
    """A message in one user's notification centre (消息中心). It keeps what it means, a kind and its
    parameters, and reads in its reader's language (accounts.notification_kinds); ``title`` and
    ``body`` hold the text of notifications stored before kinds existed, shown as they are."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    category = models.CharField(_("类别"), max_length=32, default="system")
    kind = models.CharField(_("消息类型"), max_length=64, blank=True)
    params = models.JSONField(_("消息参数"), default=dict, blank=True)
    title = models.CharField(_("标题"), max_length=200, blank=True)
    body = models.TextField(_("内容"), blank=True)
    link = models.CharField(_("链接"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at"])]
        verbose_name = _("通知")
        verbose_name_plural = _("通知")

    def _rendered(self) -> tuple[str, str]:
        return render(self.kind, self.params) if self.kind else (self.title, self.body)

    @property
    def title_text(self) -> str:
        """The title in the active language."""
        return self._rendered()[0]

    @property
    def body_text(self) -> str:
        return self._rendered()[1]


def _upload_path(instance, filename):
    return f"{instance.upload_folder}/{instance.stored_name}"


class StoredFile(models.Model):
    """Fields shared by every uploaded file: kept under a random name, served only by scoped views.
    Create them with ``accounts.uploads.stored_file_save``."""

    file = models.FileField(upload_to=_upload_path, max_length=300)
    stored_name = models.CharField(max_length=64)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(_("大小"))
    uploaded_at = models.DateTimeField(auto_now_add=True)

    upload_folder = "files"

    class Meta:
        abstract = True


from accounts.signup.models import PhoneCode, SignUp  # noqa: E402, F401  (the sign-up feature's models, for Django)
