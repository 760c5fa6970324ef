"""How a handler reached a reporter (联系居民)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ContactMethod(models.TextChoices):
    REVEAL = "reveal", _("显示号码")  # the number for this order, logged
    BRIDGE = "bridge", _("隐私号拨打")  # 中间号: a masking gateway bridges the call
