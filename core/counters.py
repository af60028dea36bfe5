import secrets

from django.db.models import F

from core.models import Counter


def bump(name: str) -> None:
    """Increment a counter inside the caller's transaction."""
    token = secrets.token_hex(8)
    updated = Counter.objects.filter(name=name).update(value=F("value") + 1, token=token)
    if not updated:
        Counter.objects.get_or_create(name=name, defaults={"value": 1, "token": token})


def read(name: str) -> str:
    """A version stamp: differs after every bump, even one whose value a rollback made repeat."""
    row = Counter.objects.filter(name=name).values_list("value", "token").first()
    return f"{row[0]}:{row[1]}" if row else "0:"
