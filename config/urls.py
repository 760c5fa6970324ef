from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from config.api import api

admin.site.site_header = _("红色物业平台 · 管理后台")
admin.site.site_title = _("红色物业平台")
admin.site.index_title = _("管理首页")

# A database outage in a middleware answers 503 too; the API's 500 is JSON.
handler500 = "redprop.core.middleware.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("open311/v2/", include("redprop.open311.urls")),
    path("", include("redprop.core.urls")),
    path("", include("redprop.web.account_urls")),
    path("", include("redprop.web.urls")),
    path("", include("redprop.web.urls_meetings")),
    path("", include("redprop.dashboards.urls")),
    path("", include("redprop.web.mediation_urls")),
    path("", include("redprop.web.fees_urls")),
    path("", include("redprop.web.urls_volunteers")),
    path("", include("redprop.web.urls_service_lists")),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
