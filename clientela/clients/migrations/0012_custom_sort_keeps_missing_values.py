"""Rebuild the sort indexes of custom fields on the expression that reads "no value" as the lowest
value (clientela.clients.fields.sort_sql), so sorting by a custom field keeps every client."""

from django.db import migrations

SORTABLE = {"text", "email", "phone", "url", "integer", "decimal", "date", "choice", "boolean"}
NUMBERS = {"integer", "decimal"}
TABLES = {"client": "clients_client", "contact": "clients_contact"}


def _rebuild(apps, schema_editor, *, for_sorting):
    from clientela.clients.fields import sort_sql, value_sql

    FieldDefinition = apps.get_model("clients", "FieldDefinition")
    quote = schema_editor.quote_name
    vendor = schema_editor.connection.vendor
    for field in FieldDefinition.objects.filter(is_builtin=False, field_type__in=SORTABLE):
        as_number = field.field_type in NUMBERS
        if for_sorting:
            expression = sort_sql(
                quote("custom_fields"),
                field.name,
                vendor,
                as_number=as_number,
                is_boolean=field.field_type == "boolean",
            )
        else:
            expression = value_sql(quote("custom_fields"), field.name, vendor, as_number=as_number)
        columns = (
            [quote("status"), expression, quote("id")] if field.record_type == "client" else [expression, quote("id")]
        )
        name = quote(f"clients_cf_{field.pk}_idx")
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")
        schema_editor.execute(f"CREATE INDEX {name} ON {quote(TABLES[field.record_type])} ({', '.join(columns)})")


def forwards(apps, schema_editor):
    _rebuild(apps, schema_editor, for_sorting=True)


def backwards(apps, schema_editor):
    _rebuild(apps, schema_editor, for_sorting=False)


class Migration(migrations.Migration):
    dependencies = [("clients", "0011_builtin_field_definitions")]

    operations = [migrations.RunPython(forwards, backwards)]
