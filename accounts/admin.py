from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.models import RoleAssignment, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, ("gridgov", {"fields": ("full_name", "phone")}))
    list_display = ["username", "full_name", "is_active", "last_login"]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "area", "department", "starts_on", "ends_on"]
    list_filter = ["role"]
    raw_id_fields = ["user", "area", "department"]

    def has_change_permission(self, request, obj=None):
        return False  # roles change through the grant/revoke actions so they are audited

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
