"""The default score weights (indicators/scores.py DEFAULT_WEIGHTS; a test keeps the two equal).
Written only where a kind has no rows yet, so an administrator's weights are never overwritten."""

from django.db import migrations

DEFAULTS = {
    "area": {"on_time_closure_rate": 20, "closure_rate": 15, "response_rate": 5, "in_grid_resolution_rate": 5,
             "rework_rate": 5, "satisfaction_rate": 50},
    "department": {"on_time_handling_rate": 25, "handling_rate": 10, "return_rate": 5, "extension_rate": 5,
                   "rework_rate": 5, "satisfaction_rate": 50},
    "grid_worker": {"report_volume": 25, "verification_on_time_rate": 25, "self_resolution_share": 10,
                    "grid_satisfaction_rate": 40},
}


def add_defaults(apps, schema_editor):
    ScoreWeight = apps.get_model("indicators", "ScoreWeight")
    for kind, weights in DEFAULTS.items():
        if not ScoreWeight.objects.filter(kind=kind).exists():
            ScoreWeight.objects.bulk_create(
                [ScoreWeight(kind=kind, indicator=indicator, weight=weight) for indicator, weight in weights.items()])


def remove_defaults(apps, schema_editor):
    ScoreWeight = apps.get_model("indicators", "ScoreWeight")
    for kind, weights in DEFAULTS.items():
        for indicator, weight in weights.items():
            ScoreWeight.objects.filter(kind=kind, indicator=indicator, weight=weight).delete()


class Migration(migrations.Migration):
    dependencies = [("indicators", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, remove_defaults)]
