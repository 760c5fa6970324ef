from django.urls import include, path

urlpatterns = [
    path("helpdesk/", include("helpdesk.urls")),  # includes its REST API under helpdesk/api/
]
