from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeesConfig(AppConfig):
    name = "redprop.fees"
    label = "fees"
    verbose_name = _("物业费与收支")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from redprop.core.sweeps import register_sweep

        # Run by the clock (manage.py run_clock) on every pass.
        register_sweep("fee_reminders", "redprop.fees.reminders.reminder_sweep")
