from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediationConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "redprop.mediation"
    verbose_name = _("矛盾调解与信访")

    def ready(self) -> None:
        from redprop.core.sweeps import register_sweep

        # Run by the clock (manage.py run_clock) on every pass.
        register_sweep("mediation", "redprop.mediation.services.deadline_sweep")
