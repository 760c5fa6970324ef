from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceListsConfig(AppConfig):
    name = "redprop.service_lists"
    label = "service_lists"
    verbose_name = _("服务清单")
