from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from redprop.core.admin import ScopedAdmin
from redprop.orgs.models import (
    CoBuildingAgreement,
    CrossAppointment,
    Org,
    OrgMembership,
    PartyMembership,
    PartyOrg,
)


class MembershipInline(admin.TabularInline):
    model = OrgMembership
    extra = 0
    raw_id_fields = ["person"]


@admin.register(Org)
class OrgAdmin(ScopedAdmin):
    list_display = ["name", "kind", "company_type", "unit_type", "community", "street"]
    list_filter = ["kind", "company_type", "unit_type"]
    search_fields = ["name"]
    readonly_fields = ["city", "district", "street", "community", "grid"]
    raw_id_fields = ["compound"]
    inlines = [MembershipInline]


@admin.register(CrossAppointment)
class CrossAppointmentAdmin(ScopedAdmin):
    list_display = ["person", "home_org", "seat_org", "position", "started_on"]
    raw_id_fields = ["person", "home_org", "seat_org"]
    scope_prefix = "seat_org__"


@admin.register(CoBuildingAgreement)
class CoBuildingAgreementAdmin(ScopedAdmin):
    list_display = ["title", "org", "community", "signed_on", "expires_on"]
    readonly_fields = ["city", "district", "street", "community", "grid"]


class PartyMembershipInline(admin.TabularInline):
    """Members by masked name only (party membership is sensitive, PIPL art. 28). No
    person picker: adding a member is ``orgs.services.party_organise_company`` (or the
    party app's registration), which seals the identity; a read in clear is
    ``person_reveal``, logged."""

    model = PartyMembership
    extra = 0
    fields = ["name_masked", "work_org", "is_secretary", "joined_on"]
    readonly_fields = ["name_masked"]
    raw_id_fields = ["work_org"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PartyOrg)
class PartyOrgAdmin(ScopedAdmin):
    list_display = ["name", "kind", "parent", "host_org", "formed_on"]
    list_filter = ["kind"]
    readonly_fields = ["city", "district", "street", "community", "grid"]
    inlines = [PartyMembershipInline]
