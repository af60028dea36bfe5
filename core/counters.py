from django.db.models import F

from core.models import Counter


def bump(name: str) -> None:
    """Increment a counter inside the caller's transaction."""
    updated = Counter.objects.filter(name=name).update(value=F("value") + 1)
    if not updated:
        Counter.objects.get_or_create(name=name, defaults={"value": 1})


def read(name: str) -> int:
    return Counter.objects.filter(name=name).values_list("value", flat=True).first() or 0
