"""The one scoping mechanism (after NetBox's RestrictedQuerySet).

Every scoped model's default manager is built from RestrictedQuerySet and names, in
`scope_paths`, the lookups that lead to an area's materialized path (e.g. ("path",) for an area,
("area__path",) for a staff assignment). `restrict(user, capability)` keeps only the rows whose
area lies at or below an area that one of the user's roles with that capability covers. Base
views, base viewsets and the access_* helpers call it; anything it filters out is a 404.

`scope_ancestors = True` also admits rows attached to an ancestor of a covered area (departments
of the district serve every street in it). `scope_department` admits the rows of a department the
user is bound to as a department handler.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


def ancestor_paths(path: str) -> list[str]:
    """"/1/5/9/" → ["/1/", "/1/5/"]."""
    parts = [p for p in path.strip("/").split("/") if p]
    return ["/" + "/".join(parts[:i]) + "/" for i in range(1, len(parts))]


class RestrictedQuerySet(models.QuerySet):
    scope_paths: tuple[str, ...] = ("area__path",)
    scope_ancestors: bool = False
    scope_department: str | None = None

    def restrict(self, user, capability: str = "view"):
        from accounts.scope import get_scope

        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        scope = get_scope(user)
        if scope.is_superuser:
            return self
        paths = scope.paths_for(capability)
        condition = Q()
        for lookup in self.scope_paths:
            for path in paths:
                condition |= Q(**{f"{lookup}__startswith": path})
            if self.scope_ancestors:
                ancestors = sorted({a for path in paths for a in ancestor_paths(path)})
                if ancestors:
                    condition |= Q(**{f"{lookup}__in": ancestors})
        if self.scope_department:
            department_ids = scope.departments_for(capability)
            if department_ids:
                condition |= Q(**{f"{self.scope_department}__in": department_ids})
        if not condition:
            return self.none()
        return self.filter(condition)
