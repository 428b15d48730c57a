from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "dahguide.accounts"
    label = "accounts"
    verbose_name = "Accounts and roles"

    def ready(self) -> None:
        from dahguide import observability  # noqa: F401  (connects the security-event receivers)
        from dahguide.accounts import receivers  # noqa: F401  (starts the idle clock at log-in)
