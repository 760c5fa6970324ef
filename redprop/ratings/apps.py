from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RatingsConfig(AppConfig):
    name = "redprop.ratings"
    label = "ratings"
    verbose_name = _("星级物业评定")
