from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "redprop.accounts"
    verbose_name = _("账号与角色")

    def ready(self) -> None:
        from redprop.accounts import lockout, sessions

        lockout.connect_signals()
        sessions.connect_signals()
