from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "dahguide.accounts"
    label = "accounts"
    verbose_name = "Accounts and roles"
