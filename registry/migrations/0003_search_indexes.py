"""Indexes for the one search box (registry/search.py) over a million residents:

* person_document_index: the exact search by document (the unique constraint's index leads with
  id_type, which the search does not know);
* on PostgreSQL, trigram indexes (pg_trgm, a trusted extension the database owner may create) on
  name and address_text, for a name or address fragment of three characters or more. SQLite, the
  embedded default for small installations, scans.
"""

from django.db import migrations, models

TRIGRAM_INDEXES = {
    "person_name_trgm": "name",
    "person_address_trgm": "address_text",
}


def create_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in TRIGRAM_INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON registry_person USING gin ({column} gin_trgm_ops)")


def drop_trigram_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in TRIGRAM_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):

    dependencies = [
        ("areas", "0001_initial"),
        ("registry", "0002_import_jobs"),
    ]

    operations = [
        # searched only for fragments (the trigram index below); its b-tree and pattern indexes
        # served nothing and slowed every insert
        migrations.AlterField(
            model_name="person",
            name="address_text",
            field=models.CharField(blank=True, max_length=200, verbose_name="address"),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(fields=["id_number_index"], name="person_document_index"),
        ),
        migrations.RunPython(create_trigram_indexes, drop_trigram_indexes),
    ]
