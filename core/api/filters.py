"""The filter backend of every API list: django-filter, strict about what it does not understand.

django-filter's boolean widget reads anything it does not know (`?open=yes`, `?open=42`) as "no
filter", and DRF's pagination falls back to the default page size on a `page_size` that is not a
number. An API client that sends those has a bug it should hear about: both are a 400 here.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from rest_framework.exceptions import ValidationError

BOOLEAN_VALUES = {"true", "false", "True", "False"}


class StrictFilterBackend(filters.DjangoFilterBackend):
    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is not None:
            errors = {}
            for name, field in filterset.filters.items():
                value = request.query_params.get(name)
                if isinstance(field, filters.BooleanFilter) and value is not None and value not in BOOLEAN_VALUES:
                    errors[name] = [_("Use true or false.")]
            if errors:
                raise ValidationError(errors)
        return super().filter_queryset(request, queryset, view)
