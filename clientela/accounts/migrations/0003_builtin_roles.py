from django.db import migrations

# Frozen here: the migration must not change when the model's defaults do.
ROLES = [
    ("admin", "Administrator", True, ["view", "create", "edit", "delete", "export", "lock", "merge", "transfer"]),
    ("manager", "Manager", False, ["view", "create", "edit", "delete", "export", "lock", "merge", "transfer"]),
    ("salesperson", "Salesperson", False, ["view", "create", "edit", "delete", "export", "lock"]),
    ("read_only", "Read-only", False, ["view"]),
]


def create_builtin_roles(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    User = apps.get_model("accounts", "User")
    roles = {}
    for builtin, name, is_admin, actions in ROLES:
        roles[builtin], _ = Role.objects.get_or_create(
            builtin=builtin, defaults={"name": name, "is_admin": is_admin, "actions": actions}
        )
    User.objects.filter(is_superuser=True, role__isnull=True).update(role=roles["admin"])
    managers = User.objects.filter(subordinates__isnull=False).values("pk")
    User.objects.filter(role__isnull=True, pk__in=managers).update(role=roles["manager"])
    User.objects.filter(role__isnull=True).update(role=roles["salesperson"])


def remove_builtin_roles(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    User = apps.get_model("accounts", "User")
    User.objects.update(role=None)
    Role.objects.exclude(builtin="").delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_roles_teams_shares")]

    operations = [migrations.RunPython(create_builtin_roles, remove_builtin_roles)]
