from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import AuditEntry, Notification, Person, PersonName, Province, RoleBinding, User


class ReadOnlyAdmin(admin.ModelAdmin):
    """Regulated records: visible to superusers, changed only through the portal's audited services."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class RoleBindingInline(admin.TabularInline):
    model = RoleBinding
    fk_name = "user"
    extra = 0
    fields = ("role", "province", "scope_id", "created_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("个人信息"), {"fields": ("full_name", "email", "phone", "person")}),
        (_("状态"), {"fields": ("is_active", "is_staff", "is_superuser", "locked_until", "failed_logins")}),
        (_("时间"), {"fields": ("last_login", "date_joined")}),
    )
    readonly_fields = ("person", "last_login", "date_joined", "failed_logins")
    list_display = ("username", "full_name", "email", "is_active", "is_superuser")
    search_fields = ("username", "full_name", "email")
    inlines = [RoleBindingInline]


@admin.register(Province)
class ProvinceAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "short_name", "is_gbt2260")


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "actor_role", "action", "object_type", "object_repr")
    list_filter = ("action",)
    search_fields = ("action", "object_repr", "actor__username")


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ("name", "id_type", "created_at")
    search_fields = ("name",)


@admin.register(PersonName)
class PersonNameAdmin(ReadOnlyAdmin):
    list_display = ("person", "name", "valid_from", "reason")


@admin.register(RoleBinding)
class RoleBindingAdmin(ReadOnlyAdmin):
    list_display = ("user", "role", "province", "scope_id", "created_at")
    list_filter = ("role",)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("user", "title_text", "created_at", "read_at")  # worded in the reader's language
