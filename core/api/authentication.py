"""Token authentication that does not ask the database on every request.

DRF's TokenAuthentication reads the token and its user (one query joining two tables) on each API
call. Integration clients (the 12345 bridge, Open311 servers, the intake of the benchmark) send many
requests with one token, so the token → user row is kept per process in a StampedCache under the
counter AUTH_COUNTER, which every save or delete of a token or a user bumps in the same transaction
(a revoked token, a deactivated or deleted user: the next request of any process loads again). The
stamps are read once per request anyway (core.counters), so a cached request runs no query here.

Each request gets its own User instance built from the cached row: nothing set on the user during
a request (its scope, for one) leaks into another.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from core.counters import StampedCache, bump

AUTH_COUNTER = "api_tokens"

_TOKENS = StampedCache(AUTH_COUNTER, size=10_000)  # token key → (field names, the user's row) or None


def _load(key: str):
    from rest_framework.authtoken.models import Token

    user_model = get_user_model()
    names = [f.attname for f in user_model._meta.concrete_fields]
    row = Token.objects.filter(key=key).values_list(*(f"user__{n}" for n in names)).first()
    return None if row is None else (names, row)


class CachedTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, as DRF's, with the token → user row cached (see above)."""

    def authenticate_credentials(self, key):
        found = _TOKENS.get(key, lambda: _load(key))
        if found is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        names, row = found
        user = get_user_model().from_db("default", names, row)
        if not user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return user, key


def _bump(sender, update_fields=None, **kwargs):
    # a login only stamps last_login: nothing a token request reads
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    bump(AUTH_COUNTER)


def connect_signals() -> None:
    from rest_framework.authtoken.models import Token

    for model in (Token, get_user_model()):
        label = model._meta.label
        post_save.connect(_bump, sender=model, weak=False, dispatch_uid=f"bump-{AUTH_COUNTER}-{label}-save")
        post_delete.connect(_bump, sender=model, weak=False, dispatch_uid=f"bump-{AUTH_COUNTER}-{label}-delete")
