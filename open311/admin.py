from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_lazy

from open311 import actions
from open311.models import Open311Client, Open311Request, ServiceAttribute


class ClientForm(forms.ModelForm):
    class Meta:
        model = Open311Client
        fields = ["name", "is_active", "district_code"]

    def clean_district_code(self):
        try:
            return actions.check_district(self.cleaned_data.get("district_code", ""))
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["district_code"]) from exc


@admin.register(Open311Client)
class Open311ClientAdmin(admin.ModelAdmin):
    """Adding a client makes its key and shows it once (the database keeps only its hash); every
    change goes through open311.actions and is audited."""

    form = ClientForm
    list_display = ["name", "key_prefix", "is_active", "district_code", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["name", "key_prefix"]
    readonly_fields = ["key_prefix", "created_at"]
    fields = ["name", "key_prefix", "is_active", "district_code", "created_at"]
    actions = ["new_key"]

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            actions.update_client(request.user, obj, name=data["name"], is_active=data["is_active"],
                                  district_code=data["district_code"])
            return
        client, key = actions.create_client(request.user, name=data["name"], district_code=data["district_code"])
        if not data["is_active"]:
            client = actions.update_client(request.user, client, name=client.name, is_active=False,
                                           district_code=client.district_code)
        obj.pk, obj.key_hash, obj.key_prefix, obj.created_at = (client.pk, client.key_hash, client.key_prefix,
                                                                client.created_at)
        messages.warning(request, gettext("The API key of %(name)s, shown only this once: %(key)s")
                         % {"name": client.name, "key": key})

    def has_delete_permission(self, request, obj=None):
        return False  # a client's cases keep pointing at it: switch it off instead

    @admin.action(description=gettext_lazy("Replace the key (the new one is shown once)"))
    def new_key(self, request, queryset):
        for client in queryset:
            key = actions.replace_key(request.user, client)
            messages.warning(request, gettext("The API key of %(name)s, shown only this once: %(key)s")
                             % {"name": client.name, "key": key})


@admin.register(ServiceAttribute)
class ServiceAttributeAdmin(admin.ModelAdmin):
    list_display = ["category", "order", "code", "datatype", "required", "description"]
    list_filter = ["datatype", "required"]
    search_fields = ["code", "description", "category__code", "category__name"]
    list_select_related = ["category"]


@admin.register(Open311Request)
class Open311RequestAdmin(admin.ModelAdmin):
    list_display = ["case", "client", "district_code", "created_at"]
    list_filter = ["client"]
    list_select_related = ["case__category", "client"]
    exclude = ["email"]
    readonly_fields = ["case", "client", "district_code", "attributes", "media_url", "device_id", "account_id",
                       "created_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
