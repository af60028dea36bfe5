from django.apps import AppConfig


class CobuildingConfig(AppConfig):
    name = "cobuilding"
