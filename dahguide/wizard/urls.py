from django.urls import path

from dahguide.wizard import views

urlpatterns = [
    path("", views.home, name="home"),
]
