"""Print the SQL that gives the application's PostgreSQL role what it needs, and no more."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from backtracker_site.db_roles import app_role_grants_sql


class Command(BaseCommand):
    help = ("Print GRANT/REVOKE statements for the role the web and workers connect as "
            "(it must not own the tables); run them as the owner after each migrate.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("role")

    def handle(self, *args, role: str, **options) -> None:
        for statement in app_role_grants_sql(role):
            self.stdout.write(statement + ";")
