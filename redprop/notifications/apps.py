from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "redprop.notifications"
    verbose_name = _("通知")

    def ready(self) -> None:
        from redprop.notifications import checks  # noqa: F401  (registers the system check)
