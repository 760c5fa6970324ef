from django.db import migrations

from redprop.people.choices import DEFAULT_TAGS


def add_tags(apps, schema_editor):
    PersonTag = apps.get_model("people", "PersonTag")
    for code, name, sensitive in DEFAULT_TAGS:
        PersonTag.objects.get_or_create(code=code, defaults={"name": name, "sensitive": sensitive})


class Migration(migrations.Migration):
    dependencies = [("people", "0002_initial")]
    operations = [migrations.RunPython(add_tags, migrations.RunPython.noop)]
