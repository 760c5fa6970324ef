from django.contrib import admin

from redprop.core.admin import AppendOnlyLogAdmin, ScopedAdmin
from redprop.people.models import Person, PersonTag, PiiAccessLog


@admin.register(Person)
class PersonAdmin(ScopedAdmin):
    """Masked by default: the admin never shows or edits plaintext PII."""

    list_display = [
        "display_name",
        "gender",
        "birth_year",
        "mobile_masked",
        "id_number_masked",
        "community",
        "grid",
    ]
    search_fields = ["name"]
    fields = [
        "name",
        "gender",
        "birth_year",
        "id_number_masked",
        "mobile_masked",
        "tags",
        "community",
        "grid",
    ]
    readonly_fields = ["id_number_masked", "mobile_masked", "birth_year", "community", "grid"]
    filter_horizontal = ["tags"]

    def get_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        fields = list(super().get_fields(request, obj))
        if obj is not None and obj.is_minor:
            # A minor's name is sensitive (PIPL art. 28): shown masked, read via reveal.
            fields[fields.index("name")] = "display_name"
        return fields

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        return [*super().get_readonly_fields(request, obj), "display_name"]


@admin.register(PersonTag)
class PersonTagAdmin(ScopedAdmin):
    list_display = ["code", "name", "sensitive"]
    allow_add = True

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        return PersonTag.objects.all()


@admin.register(PiiAccessLog)
class PiiAccessLogAdmin(AppendOnlyLogAdmin, ScopedAdmin):
    list_display = ["at", "actor", "person", "field", "reason"]
    list_filter = ["field"]
    scope_prefix = "person__"
    readonly_fields = [
        "at",
        "actor",
        "person",
        "field",
        "reason",
        "context",
        "prev_hash",
        "row_hash",
    ]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
