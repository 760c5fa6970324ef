from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VolunteersConfig(AppConfig):
    name = "redprop.volunteers"
    label = "volunteers"
    verbose_name = _("志愿服务")

    def ready(self) -> None:
        # A party member's record of service (三岗联创) counts their approved volunteer
        # hours: the party app asks its registered sources and never imports this one.
        from redprop.party.records import register_source
        from redprop.volunteers.selectors import hours_for_party_record

        register_source("volunteers", hours_for_party_record, label=_("志愿服务时长（小时）"))

        # The notifications' audience groups (the volunteers of a community, those
        # signed up for an activity): notifications sits below and may not import this.
        from redprop.volunteers.notify import register_groups

        register_groups()
