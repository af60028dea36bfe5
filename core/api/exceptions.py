from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    """Django ValidationErrors raised by action functions become 400s with their messages."""
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "message_dict"):
            detail = exc.message_dict
        else:
            detail = {"detail": exc.messages}
        status = getattr(exc, "http_status", 400)
        exc = exceptions.ValidationError(detail)
        response = drf_exception_handler(exc, context)
        if response is not None:
            response.status_code = status
        return response
    return drf_exception_handler(exc, context)
