from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "redprop.notices"
    label = "notices"
    verbose_name = _("通知公告")

    def ready(self) -> None:
        from redprop.core.sweeps import register_sweep

        # Run by the clock (manage.py run_clock) on every pass.
        register_sweep("notices_expired", "redprop.notices.services.notices_expire_due")
