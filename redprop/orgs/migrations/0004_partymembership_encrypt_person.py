"""Party membership no longer names the person in clear (PIPL art. 28; ADR 0028).

The ``person`` foreign key of ``PartyMembership`` becomes ``person_bidx`` (the keyed
blind index ``people.party_identity`` shares with ``party.Member``), ``identity_enc``
(Fernet ciphertext of ``{"person_id", "name"}``) and ``name_masked``. Existing rows are
sealed from the foreign key before it is dropped. Reversible: going back decrypts the
person id into the restored foreign key (which needs the PII keys the rows were written
under).
"""

from django.db import migrations, models

from redprop.people.party_identity import identity_open, identity_seal


def seal_people(apps, schema_editor):
    PartyMembership = apps.get_model("orgs", "PartyMembership")
    rows = list(PartyMembership.objects.select_related("person").order_by("pk"))
    for m in rows:
        m.person_bidx, m.identity_enc, m.name_masked = identity_seal(
            person_id=m.person_id, name=m.person.name
        )
    PartyMembership.objects.bulk_update(
        rows, ["person_bidx", "identity_enc", "name_masked"], batch_size=500
    )


def unseal_people(apps, schema_editor):
    PartyMembership = apps.get_model("orgs", "PartyMembership")
    Person = apps.get_model("people", "Person")
    rows = list(PartyMembership.objects.order_by("pk"))
    for m in rows:
        m.person_id = identity_open(m.identity_enc)["person_id"]
    # A person deleted since had lost the membership with the cascade: do so now.
    present = set(
        Person.objects.filter(pk__in=[m.person_id for m in rows]).values_list("pk", flat=True)
    )
    gone = [m.pk for m in rows if m.person_id not in present]
    PartyMembership.objects.filter(pk__in=gone).delete()
    PartyMembership.objects.bulk_update(
        [m for m in rows if m.person_id in present], ["person"], batch_size=500
    )


class Migration(migrations.Migration):

    dependencies = [
        ("orgs", "0003_orgmembership_work_phone"),
    ]

    operations = [
        migrations.AddField(
            model_name="partymembership",
            name="person_bidx",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="partymembership",
            name="identity_enc",
            field=models.TextField(default="", editable=False, verbose_name="身份(密文)"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="partymembership",
            name="name_masked",
            field=models.CharField(
                default="", editable=False, max_length=16, verbose_name="姓名"
            ),
            preserve_default=False,
        ),
        # Nullable first, so that going back can restore the column before refilling it.
        migrations.AlterField(
            model_name="partymembership",
            name="person",
            field=models.ForeignKey(
                null=True,
                on_delete=models.deletion.CASCADE,
                related_name="party_memberships",
                to="people.person",
                verbose_name="党员",
            ),
        ),
        migrations.RunPython(seal_people, unseal_people),
        migrations.RemoveConstraint(
            model_name="partymembership",
            name="one_party_org_per_member",
        ),
        migrations.RemoveField(
            model_name="partymembership",
            name="person",
        ),
        migrations.AddConstraint(
            model_name="partymembership",
            constraint=models.UniqueConstraint(
                fields=("person_bidx",), name="one_party_org_per_member"
            ),
        ),
    ]
