from __future__ import annotations

from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from redprop.web.nav import home_url_for


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("用户名或手机号"),
        max_length=64,
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocomplete": "username", "inputmode": "text"}
        ),
    )
    error_messages = {
        "invalid_login": _("用户名/手机号或密码不正确"),
        "inactive": _("该账号已停用"),
    }


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
def no_role(request: HttpRequest) -> HttpResponse:
    return render(request, "web/no_role.html", status=403)
