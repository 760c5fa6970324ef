from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "redprop.campaigns"
    label = "campaigns"
    verbose_name = _("专项整治")

    def ready(self) -> None:
        from redprop.core.sweeps import register_sweep

        # The clock reminds of due dates and reports overdue items (deadlines.py).
        register_sweep("campaign_items_due", "redprop.campaigns.deadlines.item_due_sweep")
