"""Fill ``search_text`` for the requests filed before it existed, then (PostgreSQL
only) build the GIN index over its tokens. Not atomic: each batch commits on its
own, and the index is built CONCURRENTLY, so a large table stays writable."""

from django.db import migrations

BATCH = 2000


def backfill(apps, schema_editor):
    # The tokenizer of today on purpose: the index must hold what the search asks for.
    # A change of the tokenizer needs a new migration that backfills again.
    from redprop.requests.search import document_tokens

    ServiceRequest = apps.get_model("requests", "ServiceRequest")
    db = schema_editor.connection.alias
    last = 0
    while True:
        rows = list(
            ServiceRequest.objects.using(db)
            .filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", "description", "search_text")[:BATCH]
        )
        if not rows:
            return
        changed = []
        for pk, description, old in rows:
            new = document_tokens(description)
            if new != old:
                changed.append(ServiceRequest(pk=pk, search_text=new))
        ServiceRequest.objects.using(db).bulk_update(changed, ["search_text"], batch_size=500)
        last = rows[-1][0]


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from redprop.requests.search import INDEX_SQL

    schema_editor.execute(INDEX_SQL.format(concurrently="CONCURRENTLY"))


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from redprop.requests.search import INDEX_NAME

    schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX_NAME}")


class Migration(migrations.Migration):
    atomic = False
    dependencies = [("requests", "0003_servicerequest_search_text")]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(create_index, drop_index),
    ]
