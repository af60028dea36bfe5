"""Open311 GeoReport v2: the API clients (keys), the attributes a service (minor category) asks for,
and what an Open311 submission brought beyond the case itself."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy

from open311.choices import LIST_DATATYPES, Datatype


class Open311Client(models.Model):
    """An application allowed to submit requests. Its key is kept only as a SHA-256 hash; the first
    characters (`key_prefix`) let people tell keys apart without revealing them."""

    name = models.CharField(gettext_lazy("name"), max_length=100, unique=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    key_prefix = models.CharField(gettext_lazy("key prefix"), max_length=8, editable=False)
    is_active = models.BooleanField(gettext_lazy("active"), default=True)
    district_code = models.CharField(
        gettext_lazy("district code"), max_length=6, blank=True,
        help_text=gettext_lazy("Empty: the client may report in every district; else only in this one."))
    created_at = models.DateTimeField(gettext_lazy("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = gettext_lazy("Open311 client")
        verbose_name_plural = gettext_lazy("Open311 clients")

    def __str__(self):
        return f"{self.name} ({self.key_prefix}…)"


class ServiceAttribute(models.Model):
    """A field a service asks for beyond the standard ones (GeoReport v2 service definition)."""

    category = models.ForeignKey("cases.Category", verbose_name=gettext_lazy("category"), on_delete=models.CASCADE,
                                 related_name="open311_attributes", limit_choices_to={"parent__isnull": False})
    code = models.SlugField(gettext_lazy("code"), max_length=50)
    variable = models.BooleanField(gettext_lazy("asks for a value"), default=True,
                                   help_text=gettext_lazy("Off: the attribute is only information for the user."))
    datatype = models.CharField(gettext_lazy("datatype"), max_length=16, choices=Datatype.choices,
                                default=Datatype.STRING)
    required = models.BooleanField(gettext_lazy("required"), default=False)
    datatype_description = models.CharField(gettext_lazy("datatype description"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(gettext_lazy("display order"), default=1)
    description = models.CharField(gettext_lazy("question"), max_length=300)
    values = models.JSONField(gettext_lazy("values"), default=list, blank=True,
                              help_text=gettext_lazy('For lists: [{"key": "1", "name": "…"}, …]'))

    class Meta:
        ordering = ["category", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["category", "code"], name="open311_attribute_code")]
        verbose_name = gettext_lazy("service attribute")
        verbose_name_plural = gettext_lazy("service attributes")

    def __str__(self):
        return f"{self.category_id}:{self.code}"

    def value_keys(self) -> list[str]:
        return [str(v.get("key")) for v in self.values or [] if isinstance(v, dict)]

    def clean(self):
        values = self.values or []
        shaped = isinstance(values, list) and all(
            isinstance(v, dict) and str(v.get("key", "")).strip() and str(v.get("name", "")).strip() for v in values)
        if not shaped:
            raise ValidationError({"values": gettext_lazy('Each value needs a "key" and a "name".')})
        if self.datatype in LIST_DATATYPES and not values:
            raise ValidationError({"values": gettext_lazy("A list attribute needs at least one value.")})


class Open311Request(models.Model):
    """What came with a case submitted through Open311, besides the case: the client, the attribute
    answers, the media address, the reporter's e-mail (encrypted), device and account ids."""

    case = models.OneToOneField("cases.Case", verbose_name=gettext_lazy("case"), on_delete=models.CASCADE,
                                primary_key=True, related_name="open311")
    client = models.ForeignKey(Open311Client, verbose_name=gettext_lazy("Open311 client"), on_delete=models.PROTECT,
                               related_name="requests")
    district_code = models.CharField(max_length=6, db_index=True)
    attributes = models.JSONField(gettext_lazy("attributes"), default=dict, blank=True)
    media_url = models.URLField(gettext_lazy("media URL"), max_length=500, blank=True)
    email = models.TextField(gettext_lazy("e-mail (encrypted)"), blank=True)
    device_id = models.CharField(gettext_lazy("device id"), max_length=100, blank=True)
    account_id = models.CharField(gettext_lazy("account id"), max_length=100, blank=True)
    created_at = models.DateTimeField(gettext_lazy("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = gettext_lazy("Open311 request")
        verbose_name_plural = gettext_lazy("Open311 requests")

    def __str__(self):
        return f"{self.case_id} ← {self.client_id}"
