from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dahguide.accounts.demo import seed_demo_accounts


class Command(BaseCommand):
    help = "Create one demo account per role (local use only; refused in production mode)."

    def handle(self, *args, **options) -> None:
        if getattr(settings, "PRODUCTION", False):
            raise CommandError("seed_demo refuses to run in production mode (DAHGUIDE_ENV=production).")
        accounts = seed_demo_accounts()
        self.stdout.write("Demo accounts (local use only):")
        for a in accounts:
            self.stdout.write(f"  {a.label:<32} username: {a.username:<12} password: {a.password}")
