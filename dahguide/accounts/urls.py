from django.urls import path

from dahguide.accounts import views

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("activity/", views.activity, name="activity"),
]
