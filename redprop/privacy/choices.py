from django.db import models
from django.utils.translation import gettext_lazy as _


class ErasureStatus(models.TextChoices):
    PENDING = "pending", _("待处理")
    DONE = "done", _("已匿名化")
    REJECTED = "rejected", _("已驳回")
