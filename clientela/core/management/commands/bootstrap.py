"""First-run set-up for `make run`: an admin with a generated password (printed once) and demo data."""

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from clientela.accounts.models import User
from clientela.accounts.services import generate_password, user_create


class Command(BaseCommand):
    help = "Create the first admin (password printed once) and load demo data, on first run only."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-demo", action="store_true", help="Do not load the demo clients.")
        parser.add_argument("--username", default=os.environ.get("CLIENTELA_ADMIN_USERNAME", "admin"))

    def handle(self, *args: Any, **options: Any) -> None:
        if User.objects.filter(is_superuser=True).exists():
            self.stdout.write("Clientela is set up; log in with your account.")
            return
        password = os.environ.get("CLIENTELA_ADMIN_PASSWORD") or generate_password()
        with transaction.atomic():
            admin = user_create(username=options["username"], password=password, is_admin=True)
            demo = not options["no_demo"] and os.environ.get("CLIENTELA_DEMO_DATA", "1") != "0"
            if demo:
                from clientela.clients.demo import load_demo_data

                count = load_demo_data(admin=admin)
        self.stdout.write(self.style.SUCCESS("Clientela is ready."))
        self.stdout.write(f"  Admin user:     {admin.username}")
        self.stdout.write(f"  Password:       {password}   (shown only this once: note it now)")
        if demo:
            self.stdout.write(f"  Demo data:      {count} clients with contacts and groups")
