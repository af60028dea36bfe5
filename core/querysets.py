"""The one scoping mechanism (after NetBox's RestrictedQuerySet).

Every scoped model's default manager is built from RestrictedQuerySet and names, in
`scope_path`, the lookup that leads to an area's materialized path (e.g. "path" for an area,
"area__path" for a staff assignment). `restrict(user, capability)` keeps only the rows whose area
lies at or below an area that one of the user's roles with that capability covers. Base views and
base viewsets call it; anything it filters out is a 404.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class RestrictedQuerySet(models.QuerySet):
    scope_path: str = "area__path"
    # Optional lookup to a department id; rows of a department a user is bound to are in scope too.
    scope_department: str | None = None

    def restrict(self, user, capability: str = "view"):
        from accounts.scope import get_scope

        if user is None or not user.is_authenticated:
            return self.none()
        scope = get_scope(user)
        if scope.is_superuser:
            return self
        paths = scope.paths_for(capability)
        condition = Q()
        for path in paths:
            condition |= Q(**{f"{self.scope_path}__startswith": path})
        if self.scope_department:
            department_ids = scope.departments_for(capability)
            if department_ids:
                condition |= Q(**{f"{self.scope_department}__in": department_ids})
        if not condition:
            return self.none()
        return self.filter(condition)
