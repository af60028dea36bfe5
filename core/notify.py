"""In-app notifications and SMS, sent only after the change that caused them commits."""

from __future__ import annotations

import logging

from django.db import transaction

from core.crypto import mask_phone
from core.sql import insert_row

logger = logging.getLogger("gridgov.notify")


def notify(user_ids, kind: str, message: str, url: str = "", obj=None) -> None:
    """Queue one inbox message per user, written after the current transaction commits."""
    user_ids = sorted({uid for uid in user_ids if uid})
    if not user_ids:
        return
    object_type = obj._meta.label_lower if obj is not None else ""
    object_id = str(obj.pk) if obj is not None else ""

    def write():
        from core.models import Notification

        rows = [Notification(user_id=uid, kind=kind, message=message[:300], url=url, object_type=object_type,
                             object_id=object_id) for uid in user_ids]
        if len(rows) == 1:  # one INSERT, committed by itself (bulk_create wraps even one in BEGIN … COMMIT)
            insert_row(rows[0])
        else:
            Notification.objects.bulk_create(rows)

    transaction.on_commit(write)


class LoggingSmsBackend:
    """The demo's SMS gateway: logs the message (with the number masked) and keeps a row of it."""

    def send(self, phone: str, text: str) -> None:
        from core.models import SmsMessage

        SmsMessage.objects.create(phone_masked=mask_phone(phone), text=text[:300])
        logger.info("SMS to %s: %s", mask_phone(phone), text)


def send_sms(phone: str, text: str) -> None:
    """Send after commit through the configured backend (settings.SMS_BACKEND)."""
    if not phone:
        return
    from django.conf import settings
    from django.utils.module_loading import import_string

    backend = import_string(settings.SMS_BACKEND)()
    transaction.on_commit(lambda: backend.send(phone, text))


def mark_read(user, notification_ids=None) -> int:
    """Mark the user's unread notifications read (all of them, or those of `notification_ids`);
    returns how many changed. Only the user's own messages are touched."""
    from django.utils import timezone

    from core.models import Notification

    notes = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_ids is not None:
        notes = notes.filter(pk__in=list(notification_ids))
    return notes.update(read_at=timezone.now())
