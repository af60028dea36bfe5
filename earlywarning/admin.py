from django.contrib import admin

from earlywarning.models import EarlyWarning


@admin.register(EarlyWarning)
class EarlyWarningAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "state", "category", "area", "count", "updated_at"]
    list_filter = ["kind", "state"]
    readonly_fields = [f.name for f in EarlyWarning._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
