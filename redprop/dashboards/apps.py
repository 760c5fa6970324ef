from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    name = "redprop.dashboards"
    label = "dashboards"
    verbose_name = _("数据看板与月度报表")
