"""The filter backend of every API list: django-filter, strict about what it does not understand.

django-filter's boolean widget reads anything it does not know (`?open=yes`, `?open=42`) as "no
filter", and DRF's pagination falls back to the default page size on a `page_size` that is not a
number. An API client that sends those has a bug it should hear about: both are a 400 here; so is
a date, number or id filter sent empty. Text and choice filters sent empty (`?state=`) mean no
filter, as from a form.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from rest_framework.exceptions import ValidationError

BOOLEAN_VALUES = {"true", "false", "True", "False"}
# an empty value of these means "no filter" (as from a form); any other filter sent empty is a 400
TEXT_FILTERS = (filters.CharFilter, filters.ChoiceFilter, filters.MultipleChoiceFilter)


class StrictFilterBackend(filters.DjangoFilterBackend):
    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is not None:
            errors = {}
            for name, field in filterset.filters.items():
                value = request.query_params.get(name)
                if value is None:
                    continue
                if isinstance(field, filters.BooleanFilter) and value not in BOOLEAN_VALUES:
                    errors[name] = [_("Use true or false.")]
                elif value == "" and not isinstance(field, TEXT_FILTERS):
                    errors[name] = [_("Give a value, or leave the parameter out.")]
            if errors:
                raise ValidationError(errors)
        return super().filter_queryset(request, queryset, view)
