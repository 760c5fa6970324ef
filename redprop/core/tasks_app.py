"""django-tasks-db's app, named in the reader's language in the admin.

The package names its app in English without gettext ("Tasks Database Backend"),
so the Chinese admin showed it in English; its model and field labels do go
through gettext and are translated in ``locale/zh_Hans`` (issue #18).
"""

from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig


class TasksDatabaseConfig(TasksAppConfig):
    verbose_name = _("后台任务")
