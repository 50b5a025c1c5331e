"""``python manage.py add_editor USERNAME [--email E] [--base-url URL]``: a staff account in the editors group.

On a terminal it asks for the password twice (and checks it against the password validators);
otherwise, or with ``--no-password``, it prints a one-time link at which the editor sets it
(Django's password-reset token: valid once, for ``PASSWORD_RESET_TIMEOUT``).
"""
from __future__ import annotations

import getpass
import sys

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import NoReverseMatch, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from articles.services import ensure_editors_group


class Command(BaseCommand):
    help = "Create (or promote) a staff account in the editors group; set its password or print a one-time link."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument("--no-password", action="store_true",
                            help="print a one-time password-set link even on a terminal")
        parser.add_argument("--base-url", default="http://127.0.0.1:8000",
                            help="where the archive is served, for the link (default http://127.0.0.1:8000)")

    def handle(self, *args, username: str, email: str, no_password: bool, base_url: str, **options):
        User = get_user_model()
        interactive = sys.stdin.isatty() and not no_password
        password = self._ask_password(User(username=username, email=email)) if interactive else None
        with transaction.atomic():
            user, created = User.objects.get_or_create(username=username, defaults={"email": email})
            user.is_staff = True
            if email:
                user.email = email
            if password:
                user.set_password(password)
            elif created:
                user.set_unusable_password()
            user.save()
            user.groups.add(ensure_editors_group())
        self.stdout.write(f"{'created' if created else 'updated'} editor {username} (staff, in the editors group)")
        if not password:
            self.stdout.write("one-time link to set the password: " + self.password_link(user, base_url))

    def _ask_password(self, user) -> str:
        for _attempt in range(3):
            first = getpass.getpass("Password: ")
            if first != getpass.getpass("Password (again): "):
                self.stderr.write("the two passwords differ")
                continue
            try:
                password_validation.validate_password(first, user)
            except ValidationError as exc:
                self.stderr.write("; ".join(exc.messages))
                continue
            return first
        raise CommandError("no password set; run again, or use --no-password for a one-time link")

    @staticmethod
    def password_link(user, base_url: str) -> str:
        uid = urlsafe_base64_encode(force_bytes(user.pk))
        token = default_token_generator.make_token(user)
        try:
            path = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
        except NoReverseMatch:  # the address the project routes to Django's PasswordResetConfirmView
            path = f"/admin/password/set/{uid}/{token}/"
        return base_url.rstrip("/") + path
