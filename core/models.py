"""Shared machinery: the append-only audit log, counters, and the restricted queryset base."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _

from core.querysets import RestrictedQuerySet

__all__ = ["AuditLog", "Counter", "Notification", "RateLimitBucket", "RestrictedQuerySet", "SmsMessage",
           "WorkdayOverride"]


class AuditLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("audit log is append-only")

    def delete(self):
        raise PermissionError("audit log is append-only")


class AuditLog(models.Model):
    """Who did what, when, to which object, with a before/after snapshot. Never edited.

    UPDATE is refused by a database trigger on SQLite and PostgreSQL (DELETE too on PostgreSQL);
    the ORM refuses both. Personal data never goes into `before`/`after`.
    """

    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+", db_constraint=False, db_index=False,
    )
    actor_repr = models.CharField(_("actor name"), max_length=150, blank=True)
    # Every action of the system writes a row here, so the table has only the indexes its readers
    # use (Meta), and none of the LIKE-prefix twins PostgreSQL gets for db_index CharFields.
    action = models.CharField(_("action"), max_length=64)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=255, blank=True)
    district_code = models.CharField(_("district code"), max_length=12, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # the log page and API: a district's entries, newest first; by action; one object's history
            models.Index(fields=["district_code", "-created_at"], name="audit_district_created"),
            models.Index(fields=["action"], name="audit_action"),
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            # a user's entries (and SET NULL when one is deleted); the system's own rows (the deadline
            # sweep writes thousands at once) have no actor and no entry here
            models.Index(fields=["actor"], name="audit_actor", condition=models.Q(actor__isnull=False)),
        ]
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_repr} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionError("audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("audit log is append-only")


class Counter(models.Model):
    """A named integer that only grows; used as a version stamp (e.g. of the area boundaries)."""

    name = models.CharField(max_length=64, unique=True)
    value = models.BigIntegerField(default=0)
    # changes with every bump, so a value rolled back and reached again is still a new version
    token = models.CharField(max_length=32, default="", blank=True)

    class Meta:
        verbose_name = _("counter")

    def __str__(self):
        return f"{self.name}={self.value}"


class WorkdayOverride(models.Model):
    """A local exception to the national calendar: a day off (e.g. a local festival) or a make-up
    workday. Also how a district enters next year's holidays before the calendar library has them."""

    date = models.DateField(_("date"), unique=True)
    is_workday = models.BooleanField(_("working day"))
    note = models.CharField(_("note"), max_length=100, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar override")
        verbose_name_plural = _("calendar overrides")

    def __str__(self):
        return f"{self.date} {'workday' if self.is_workday else 'holiday'}"


class Notification(models.Model):
    """An in-app message to one user (the inbox). Written only after the change commits."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="notifications", db_index=False)  # (user, read_at) leads with it
    kind = models.CharField(_("kind"), max_length=32)
    message = models.CharField(_("message"), max_length=300)
    url = models.CharField(_("link"), max_length=200, blank=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self):
        return self.message


class SmsMessage(models.Model):
    """What the logging SMS backend 'sent' (the demo has no SMS gateway)."""

    phone_masked = models.CharField(max_length=20)
    text = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self):
        return f"{self.phone_masked}: {self.text}"


class RateLimitBucket(models.Model):
    """One window of one client's hits on one rate-limited endpoint (core/ratelimit.py). `key` holds
    a keyed hash of the scope and the client (address or API key), never the client itself; rows
    are deleted once `expires` (Unix seconds) has passed."""

    key = models.CharField(max_length=80, unique=True)
    count = models.PositiveIntegerField(default=0)
    expires = models.BigIntegerField(db_index=True)

    class Meta:
        verbose_name = gettext_lazy("rate limit window")
        verbose_name_plural = gettext_lazy("rate limit windows")

    def __str__(self):
        return f"{self.key}={self.count}"
