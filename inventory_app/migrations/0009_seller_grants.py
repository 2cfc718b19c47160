"""All-branches grants (docs/api.md §36). A seller with no assignment used to act on every branch
(§26); now a seller acts on no branch without a grant. So that nobody loses access on upgrade,
every seller who has no assignment when this runs gets an all-branches grant; sellers registered
afterwards start with none."""

import django.db.models.deletion
import django.db.models.functions.datetime
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

SELLER_ROLE = "seller"  # docs/api.md §5


def grant_unassigned_sellers(apps, schema_editor):
    # Historical models: a migration may read auth's tables as they are at this point.
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    assignment = apps.get_model("inventory_app", "BranchAssignment")
    grant = apps.get_model("inventory_app", "SellerGrant")
    alias = schema_editor.connection.alias
    assigned = assignment.objects.using(alias).values("user_id")
    sellers = (
        user_model.objects.using(alias)
        .filter(role__name=SELLER_ROLE)
        .exclude(pk__in=assigned)
        .values_list("pk", flat=True)
    )
    grant.objects.using(alias).bulk_create([grant(user_id=pk, granted_by=None) for pk in sellers])


class Migration(migrations.Migration):
    dependencies = [
        ("inventory_app", "0008_ledger_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="SellerGrant",
            fields=[
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="seller_grant",
                        serialize=False,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                ("granted_by", models.UUIDField(blank=True, null=True)),
                (
                    "created_at",
                    models.DateTimeField(
                        db_default=django.db.models.functions.datetime.Now(),
                        default=django.utils.timezone.now,
                        editable=False,
                    ),
                ),
            ],
            options={
                "db_table": '"inventory_schema"."seller_grants"',
                "ordering": ["created_at", "user"],
            },
        ),
        migrations.RunPython(grant_unassigned_sellers, migrations.RunPython.noop),
    ]
