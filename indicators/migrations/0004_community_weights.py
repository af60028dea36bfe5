"""The community-work components join the default score weights (indicators/scores.py
DEFAULT_WEIGHTS; a test keeps the two equal): the case components scaled by 0.8, the community
ones taking the remaining 20. Written only where a kind still has exactly the rows migration 0002
wrote (same indicators, same weights), so a kind an administrator has edited, and a kind with no
rows at all, are left as they are."""

from django.db import migrations

OLD = {
    "area": {"on_time_closure_rate": 20, "closure_rate": 15, "response_rate": 5, "in_grid_resolution_rate": 5,
             "rework_rate": 5, "satisfaction_rate": 50},
    "department": {"on_time_handling_rate": 25, "handling_rate": 10, "return_rate": 5, "extension_rate": 5,
                   "rework_rate": 5, "satisfaction_rate": 50},
    "grid_worker": {"report_volume": 25, "verification_on_time_rate": 25, "self_resolution_share": 10,
                    "grid_satisfaction_rate": 40},
}
DEFAULTS = {
    "area": {"on_time_closure_rate": 16, "closure_rate": 12, "response_rate": 4, "in_grid_resolution_rate": 4,
             "rework_rate": 4, "satisfaction_rate": 40, "dispute_settlement_rate": 4, "missed_patrol_share": 5,
             "gridtask_on_time_rate": 4, "decision_on_time_rate": 3, "dispute_satisfaction_rate": 4},
    "department": {"on_time_handling_rate": 20, "handling_rate": 8, "return_rate": 4, "extension_rate": 4,
                   "rework_rate": 4, "satisfaction_rate": 40, "decision_on_time_rate": 20},
    "grid_worker": {"report_volume": 20, "verification_on_time_rate": 20, "self_resolution_share": 8,
                    "grid_satisfaction_rate": 32, "missed_patrol_share": 8, "visit_volume": 6,
                    "gridtask_on_time_rate": 6},
}


def _replace(ScoreWeight, before: dict, after: dict) -> None:
    for kind in after:
        rows = list(ScoreWeight.objects.filter(kind=kind))
        if len(rows) != len(before[kind]) or {r.indicator: r.weight for r in rows} != before[kind]:
            continue  # edited by an administrator (or no rows: the code's defaults apply)
        for row in rows:
            if row.indicator not in after[kind]:
                row.delete()
            elif row.weight != after[kind][row.indicator]:
                row.weight = after[kind][row.indicator]
                row.save(update_fields=["weight", "updated_at"])
        ScoreWeight.objects.bulk_create([ScoreWeight(kind=kind, indicator=indicator, weight=weight)
                                         for indicator, weight in after[kind].items() if indicator not in before[kind]])


def add_community_weights(apps, schema_editor):
    _replace(apps.get_model("indicators", "ScoreWeight"), OLD, DEFAULTS)


def remove_community_weights(apps, schema_editor):
    _replace(apps.get_model("indicators", "ScoreWeight"), DEFAULTS, OLD)


class Migration(migrations.Migration):
    dependencies = [("indicators", "0003_monthly_counts")]

    operations = [migrations.RunPython(add_community_weights, remove_community_weights)]
