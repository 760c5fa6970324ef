from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactConfig(AppConfig):
    name = "redprop.contact"
    label = "contact"
    verbose_name = _("联系居民")
