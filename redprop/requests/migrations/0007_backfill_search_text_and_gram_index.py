"""Fill ``search_text`` for the requests filed before it existed, then (PostgreSQL
only) build the GIN index over its tokens. Not atomic: each batch commits on its
own, and the index is built CONCURRENTLY, so a large table stays writable. The
backfill runs before the index exists, so it does not maintain it row by row."""

from django.db import migrations

BATCH = 2000


def backfill(apps, schema_editor):
    # The tokenizer of today on purpose: the index must hold what the search asks for.
    # A later change of the tokenizer runs `manage.py search_reindex` (or a migration).
    from redprop.requests.search import reindex

    reindex(
        apps.get_model("requests", "ServiceRequest"),
        using=schema_editor.connection.alias,
        batch=BATCH,
    )


# requests.search queries this expression; the two must stay identical.
CREATE_INDEX = (
    "CREATE INDEX CONCURRENTLY IF NOT EXISTS req_search_grams ON requests_servicerequest "
    "USING gin ((array_to_tsvector(array_remove(string_to_array(search_text, ' '), ''))))"
)


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE_INDEX)


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX CONCURRENTLY IF EXISTS req_search_grams")


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("requests", "0006_servicerequest_search_text")]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(create_index, drop_index),
    ]
