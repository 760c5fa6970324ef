from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from redprop.accounts.forms import LoginForm
from redprop.web.nav import home_url_for


class LoginView(auth_views.LoginView):
    template_name = "web/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        return home_url_for(self.request.user)


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect(home_url_for(request.user))


@login_required
def more(request: HttpRequest) -> HttpResponse:
    """更多: every page of the user's roles as a tile (the phone's bottom bar holds four)."""
    return render(request, "web/more.html")


@login_required
def no_role(request: HttpRequest) -> HttpResponse:
    return render(request, "web/no_role.html", status=403)
