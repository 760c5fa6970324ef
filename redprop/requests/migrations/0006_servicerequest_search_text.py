from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("requests", "0005_fewer_write_indexes")]

    operations = [
        migrations.AddField(
            model_name="servicerequest",
            name="search_text",
            field=models.TextField(blank=True, default="", editable=False, verbose_name="检索词元"),
        ),
        migrations.AddIndex(
            model_name="servicerequest",
            index=models.Index(fields=["community", "-id"], name="req_comm_id"),
        ),
    ]
