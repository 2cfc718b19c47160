"""The three roles with the contract's fixed ids (§23); every account needs one."""

from django.db import migrations

ROLES = {
    "admin": "11111111-1111-1111-1111-111111111111",
    "seller": "22222222-2222-2222-2222-222222222222",
    "customer": "33333333-3333-3333-3333-333333333333",
}


def create_roles(apps, schema_editor):
    Role = apps.get_model("auth_app", "Role")
    for name, role_id in ROLES.items():
        Role.objects.get_or_create(name=name, defaults={"id": role_id})


def delete_roles(apps, schema_editor):
    apps.get_model("auth_app", "Role").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [("auth_app", "0001_initial")]
    operations = [migrations.RunPython(create_roles, delete_roles)]
