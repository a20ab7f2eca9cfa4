"""python manage.py audit_keygen [--force]"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from voting import keys


class Command(BaseCommand):
    help = (
        "Create the installation's Ed25519 signing key at AUDIT_KEY_PATH. "
        "Does nothing if a key is already there (use --force to replace it, "
        "which makes earlier signatures unverifiable against the new key)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="replace an existing key")

    def handle(self, *args: Any, **options: Any) -> None:
        path = keys.key_path()
        if path.exists() and not options["force"]:
            self.stdout.write(f"A signing key already exists at {path}.")
        else:
            try:
                keys.generate(path, overwrite=options["force"])
            except OSError as exc:
                raise CommandError(f"Cannot write {path}: {exc}") from exc
            self.stdout.write(self.style.SUCCESS(f"Created a signing key at {path}."))
        self.stdout.write(f"Public key: {keys.public_key_b64()}")
        self.stdout.write(f"Fingerprint: {keys.fingerprint()}")
