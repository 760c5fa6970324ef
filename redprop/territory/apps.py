from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TerritoryConfig(AppConfig):
    name = "redprop.territory"
    verbose_name = _("区域与房屋")
