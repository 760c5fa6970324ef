from django.db import migrations


def install(apps, schema_editor):
    from redprop.requests.taxonomy import install_default_categories

    install_default_categories(apps.get_model("requests", "Category"))


class Migration(migrations.Migration):
    dependencies = [("requests", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
