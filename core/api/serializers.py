"""Serializer helpers shared by the apps' APIs."""

import copy


class ModelFieldsOnceMixin:
    """A ModelSerializer that inspects its model once per class, not once per instance: DRF's
    get_fields() maps every model field to a serializer field (field_mapping.get_field_kwargs) on
    each instantiation, the largest part of a serializer's cost on hot paths such as intake. The
    mapped fields are kept on the class and each instance gets its own deep copy, as DRF does with
    declared fields."""

    def get_fields(self):
        cls = type(self)
        built = cls.__dict__.get("_fields_built_once")
        if built is None:
            built = super().get_fields()
            cls._fields_built_once = built
        return copy.deepcopy(built)
