from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SignUp(models.Model):
    """One sign-up attempt, from the form to the phone's proof, with the consent it recorded.

    The outcome is kept for the portal's own records and is never shown to whoever signed up: the
    page answers the same whether an account was created, a known person's record claimed, or
    nothing done because the ID number or phone already has an account."""

    class Outcome(models.TextChoices):
        """What proving the phone does (decided when the form is sent; nothing before the proof)."""

        CREATED = "created", _("新建账户")
        CLAIMED = "claimed", _("认领原有人员记录")
        REFUSED = "refused", _("不建账户")

    class Refusal(models.TextChoices):
        PHONE_TAKEN = "phone_taken", _("手机号已有账户")
        ID_TAKEN = "id_taken", _("证件号码已有账户")
        UNPROVEN = "unproven", _("人员已登记，未能证明是本人")

    token_hash = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="sign_ups", verbose_name=_("账户"))
    # Whether the account and the person record were made by this sign-up: an abandoned sign-up's
    # are removed when someone signs up again with the same phone or ID number.
    created_user = models.BooleanField(default=False)
    created_person = models.BooleanField(default=False)
    phone = models.CharField(_("手机号码"), max_length=20, db_index=True)
    outcome = models.CharField(_("结果"), max_length=16, choices=Outcome.choices)
    refusal = models.CharField(_("不建账户的原因"), max_length=16, choices=Refusal.choices, blank=True)
    notice_version = models.CharField(_("隐私政策版本"), max_length=32)
    consented_at = models.DateTimeField(_("同意时间"))
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    verified_at = models.DateTimeField(_("手机验证时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("自助注册")
        verbose_name_plural = _("自助注册")

    def __str__(self):
        return f"{self.phone[:3]}****{self.phone[-4:]}"


class PhoneCode(models.Model):
    """A one-time code sent by SMS to prove a phone. Only its hash is stored; it expires, is used
    once, and allows a few wrong tries."""

    sign_up = models.ForeignKey(SignUp, on_delete=models.CASCADE, related_name="codes")
    phone = models.CharField(max_length=20)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    wrong_tries = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]
