from django.urls import path

from redprop.web.views import fees as views

app_name = "fees"

urlpatterns = [
    path("fees/", views.home, name="home"),
    path("fees/my/", views.my_bills, name="my_bills"),
    path("fees/my/pay/", views.pay, name="pay"),
    path("fees/pay/demo/<str:order_no>/", views.demo_cashier, name="demo_cashier"),
    path("fees/receipt/<int:pk>/", views.receipt, name="receipt"),
    path("fees/receipt/<int:pk>/pdf/", views.receipt_pdf, name="receipt_pdf"),
    path("fees/window/", views.window, name="window"),
    path("fees/compound/<int:pk>/", views.compound_books, name="compound"),
    path("fees/compound/<int:pk>/bill-run/", views.bill_run, name="bill_run"),
    path("fees/compound/<int:pk>/disclose/", views.disclosure_prepare, name="disclosure_prepare"),
    path("fees/compound/<int:pk>/export/<slug:kind>/", views.export, name="export"),
    path("fees/disclosure/<int:pk>/", views.disclosure_page, name="disclosure"),
    path("fees/disclosure/<int:pk>/pdf/", views.disclosure_pdf, name="disclosure_pdf"),
    path(
        "fees/disclosure/<int:pk>/do/<slug:action>/", views.disclosure_step, name="disclosure_step"
    ),
]
