"""Rebuild the sort indexes of client custom fields with the name and owner after the id
(clientela.clients.field_services.sort_index_columns): a list filtered by such a field and sorted by
name is then read from the index alone."""

from django.db import migrations

SORTABLE = {"text", "email", "phone", "url", "integer", "decimal", "date", "choice", "boolean"}
NUMBERS = {"integer", "decimal"}


def _rebuild(apps, schema_editor, *, covering):
    from clientela.clients.fields import sort_sql

    FieldDefinition = apps.get_model("clients", "FieldDefinition")
    quote = schema_editor.quote_name
    vendor = schema_editor.connection.vendor
    fields = FieldDefinition.objects.filter(is_builtin=False, record_type="client", field_type__in=SORTABLE)
    for field in fields:
        expression = sort_sql(
            quote("custom_fields"),
            field.name,
            vendor,
            as_number=field.field_type in NUMBERS,
            is_boolean=field.field_type == "boolean",
        )
        columns = [quote("status"), expression, quote("id")]
        if covering:
            columns += [quote("name"), quote("owner_id")]
        name = quote(f"clients_cf_{field.pk}_idx")
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
        schema_editor.execute(f"CREATE INDEX {name} ON {quote('clients_client')} ({', '.join(columns)})")


def forwards(apps, schema_editor):
    _rebuild(apps, schema_editor, covering=True)


def backwards(apps, schema_editor):
    _rebuild(apps, schema_editor, covering=False)


class Migration(migrations.Migration):
    dependencies = [("clients", "0014_sort_indexes_cover_the_owner")]

    operations = [migrations.RunPython(forwards, backwards)]
