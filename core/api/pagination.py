from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


class Pagination(PageNumberPagination):
    """`?page=` and `?page_size=` (at most 500). A page_size that is not a positive number is a 400
    (DRF would silently use the default); a page past the end is a 404."""

    page_size_query_param = "page_size"
    max_page_size = 500

    def get_page_size(self, request):
        value = request.query_params.get(self.page_size_query_param)
        if value is not None and not (value.isascii() and value.isdigit() and int(value) > 0):
            raise ValidationError({self.page_size_query_param: [_("Give a whole number from 1 to 500.")]})
        return super().get_page_size(request)
