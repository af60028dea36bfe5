from django.conf import settings


def gridgov(request):
    from accounts.scope import get_scope

    user = getattr(request, "user", None)
    scope = get_scope(user) if user is not None and user.is_authenticated else None
    return {
        "gridgov_scope": scope,
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
    }
