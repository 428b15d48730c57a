from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    http_method_names = ["post", "options"]


@require_POST
def activity(request: HttpRequest) -> HttpResponse:
    """Typing on an open page keeps the session (static/js/app.js calls this at most once a
    minute). IdleSessionMiddleware has recorded the activity and says what time is left."""
    if not request.user.is_authenticated:
        return HttpResponse(status=401)
    return HttpResponse(status=204)
