from django.core.management.base import BaseCommand

from csol.core.services.desks import desk_groups_sync


class Command(BaseCommand):
    help = "Create or refresh the agent desk groups and their permissions."

    def handle(self, *args, **options):
        for desk, group in desk_groups_sync().items():
            self.stdout.write(f"{desk}: {group.name} ({group.permissions.count()} permissions)")
