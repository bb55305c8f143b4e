from django.db import migrations


def create_builtin_definitions(apps, schema_editor):  # type: ignore[no-untyped-def]
    from clientela.clients.field_services import sync_builtin_definitions

    sync_builtin_definitions(
        apps.get_model("clients", "FieldDefinition"),
        {"client": apps.get_model("clients", "Client"), "contact": apps.get_model("clients", "Contact")},
    )


def remove_builtin_definitions(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("clients", "FieldDefinition").objects.filter(is_builtin=True).delete()


class Migration(migrations.Migration):
    dependencies = [("clients", "0010_field_settings")]

    operations = [migrations.RunPython(create_builtin_definitions, remove_builtin_definitions)]
