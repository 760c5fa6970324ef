from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DutyConfig(AppConfig):
    name = "redprop.duty"
    label = "duty"
    verbose_name = _("值班排班")

    def ready(self) -> None:
        from redprop.core import refdata
        from redprop.duty.models import Shift
        from redprop.duty.selectors import REFDATA_SHIFTS

        # The intake reads the shifts in force from memory (docs/adr/0006-lean-intake.md).
        refdata.watch(Shift, REFDATA_SHIFTS)
