"""``manage.py create_admin``: an active, verified admin, validated like a registration."""

from __future__ import annotations

import getpass

from django.core.management.base import BaseCommand, CommandError

from auth_app import validation as rules
from auth_app.services import admin_create
from natjoub.api import contact_rules
from natjoub.api.errors import ApplicationError

# (option, prompt, rule, required, secret)
FIELDS = [
    ("email", "E-mail", contact_rules.email_problem, True, False),
    ("password", "Password", rules.password_problem, True, True),
    ("first_name", "First name", rules.first_name_problem, True, False),
    ("last_name", "Last name", rules.last_name_problem, True, False),
    ("username", "Username (optional)", rules.username_problem, False, False),
    ("phone", "Phone number (optional)", contact_rules.phone_problem, False, False),
]


class Command(BaseCommand):
    help = (
        "Create an active, verified admin account. Missing values are prompted for; with --no-input "
        "every required value must be given as a flag. Values follow the registration rules: e-mail "
        "format, a password of 8-128 characters with upper- and lowercase letters, a digit and a special "
        "character that is not a common password, names of letters, spaces, '-' and \"'\"."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", help="E-mail address (unique, case-insensitive); signs in to /admin/")
        parser.add_argument("--password", help="Password (prompted without echo when omitted)")
        parser.add_argument("--first-name", dest="first_name", help="First name")
        parser.add_argument("--last-name", dest="last_name", help="Last name")
        parser.add_argument("--username", help="Optional username (3-20 letters, digits or underscores)")
        parser.add_argument("--phone", help="Optional phone number (e.g. +85512345678)")
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help="Never prompt; fail when a required value is missing.",
        )

    def handle(self, *args, **options):
        values: dict[str, str | None] = {}
        for name, prompt, rule, required, secret in FIELDS:
            value = options.get(name)
            if value is None and options["interactive"]:
                value = self._ask(prompt, rule, required=required, secret=secret)
            if value is None or (value == "" and not required):  # an empty optional flag = absent
                if required:
                    raise CommandError(f"--{name.replace('_', '-')} is required with --no-input")
                values[name] = None
                continue
            problem = rule(value)
            if problem:
                raise CommandError(f"{name.replace('_', ' ')}: {problem}")
            values[name] = value
        try:
            user = admin_create(
                email=values["email"],
                password=values["password"],
                first_name=values["first_name"],
                last_name=values["last_name"],
                username=values["username"],
                phone_number=values["phone"],
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        self.stdout.write(self.style.SUCCESS(f"Admin {user.credentials.email} created (id {user.pk})."))

    def _ask(self, prompt: str, rule, *, required: bool, secret: bool) -> str | None:
        try:
            return self._prompt(prompt, rule, required=required, secret=secret)
        except (EOFError, KeyboardInterrupt):
            raise CommandError(f"{prompt}: no value given (use the flags with --no-input)") from None

    def _prompt(self, prompt: str, rule, *, required: bool, secret: bool) -> str | None:
        while True:
            if secret:
                value = getpass.getpass(f"{prompt}: ")
                if value and value != getpass.getpass(f"{prompt} (again): "):
                    self.stderr.write("Passwords do not match.")
                    continue
            else:
                value = input(f"{prompt}: ")
            if not value:
                if not required:
                    return None
                self.stderr.write("This value is required.")
                continue
            problem = rule(value)
            if problem:
                self.stderr.write(problem)
                continue
            return value
