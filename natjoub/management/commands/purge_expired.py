"""``manage.py purge_expired``: run every maintenance job the apps registered (natjoub.registry)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from natjoub.registry import maintenance_jobs


class Command(BaseCommand):
    help = (
        "Housekeeping: delete or settle rows that can no longer matter (expired tokens and sessions, "
        "idempotency keys past their retention, due reservations, ...), one job per app concern. "
        "Prints what each job handled. Safe to run at any time, e.g. hourly from cron or a CronJob. "
        "--list shows the registered jobs; --only runs the named ones."
    )

    def add_arguments(self, parser):
        parser.add_argument("--list", action="store_true", help="list the registered jobs and exit")
        parser.add_argument("--only", nargs="+", metavar="JOB", help="run only these jobs (names from --list)")

    def handle(self, *args, **options):
        jobs = list(maintenance_jobs)
        if options["list"]:
            for job in jobs:
                self.stdout.write(f"{job.name:<24} {job.description}")
            return
        if options["only"]:
            unknown = sorted(set(options["only"]) - {job.name for job in jobs})
            if unknown:
                raise CommandError(f"Unknown job(s): {', '.join(unknown)}; see --list")
            jobs = [job for job in jobs if job.name in options["only"]]
        for job in jobs:
            counts = job.run()
            summary = ", ".join(f"{name.replace('_', ' ')}: {count}" for name, count in counts.items())
            self.stdout.write(self.style.SUCCESS(f"{job.name}: {summary or 'nothing to do'}"))
