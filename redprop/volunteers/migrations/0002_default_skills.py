from django.db import migrations


def install(apps, schema_editor):
    from redprop.volunteers.defaults import install_default_skills

    install_default_skills(apps.get_model("volunteers", "Skill"))


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0001_initial")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
