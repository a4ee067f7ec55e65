from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import autodiscover_modules

from csol.core.seeding import seeders


class Command(BaseCommand):
    help = "Create the demo customers, users and each area's demo data (idempotent)."

    def handle(self, *args, **options):
        autodiscover_modules("demo")
        for seeder in seeders():
            with transaction.atomic():
                seeder.run(stdout=self.stdout)
            self.stdout.write(f"seeded {seeder.name}")
