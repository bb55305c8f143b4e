import django.core.validators
import django.db.models.deletion
from django.db import migrations, models

from clientela.clients.migrations_support import RestoreSearchTriggers


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0006_client_merge"),
    ]

    # On SQLite, adding a column with a default rebuilds clients_client, which drops the search
    # triggers of 0002: RestoreSearchTriggers puts them back (forwards after the AddField; backwards
    # after the RemoveField, hence one at each end).
    operations = [
        RestoreSearchTriggers(backwards=True),
        migrations.AddField(
            model_name="client",
            name="custom_fields",
            field=models.JSONField(blank=True, default=dict, verbose_name="custom fields"),
        ),
        RestoreSearchTriggers(),
        migrations.AddField(
            model_name="contact",
            name="custom_fields",
            field=models.JSONField(blank=True, default=dict, verbose_name="custom fields"),
        ),
        migrations.AddField(
            model_name="historicalclient",
            name="custom_fields",
            field=models.JSONField(blank=True, default=dict, verbose_name="custom fields"),
        ),
        migrations.AddField(
            model_name="historicalcontact",
            name="custom_fields",
            field=models.JSONField(blank=True, default=dict, verbose_name="custom fields"),
        ),
        migrations.CreateModel(
            name="FieldDefinition",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="changed at")),
                (
                    "record_type",
                    models.CharField(
                        choices=[("client", "Client"), ("contact", "Contact")],
                        max_length=10,
                        verbose_name="record type",
                    ),
                ),
                (
                    "name",
                    models.CharField(
                        max_length=50,
                        validators=[
                            django.core.validators.RegexValidator(
                                "^[a-z][a-z0-9_]{0,49}$",
                                "Use lower-case letters, digits and underscores, starting with a letter (at most 50).",
                                code="invalid",
                            )
                        ],
                        verbose_name="original name",
                    ),
                ),
                ("is_builtin", models.BooleanField(default=False, verbose_name="built-in")),
                (
                    "field_type",
                    models.CharField(
                        choices=[
                            ("text", "Text"),
                            ("long_text", "Long text"),
                            ("integer", "Whole number"),
                            ("decimal", "Decimal number"),
                            ("choice", "Dropdown"),
                            ("multi_choice", "Multiple choice"),
                            ("date", "Date"),
                            ("boolean", "Yes/no"),
                            ("email", "E-mail"),
                            ("phone", "Phone"),
                            ("url", "Web address"),
                        ],
                        default="text",
                        max_length=20,
                        verbose_name="input type",
                    ),
                ),
                ("labels", models.JSONField(blank=True, default=dict, verbose_name="labels")),
                ("help_texts", models.JSONField(blank=True, default=dict, verbose_name="help texts")),
                (
                    "is_enabled",
                    models.BooleanField(
                        default=True, help_text="Hidden fields are not shown anywhere.", verbose_name="enabled"
                    ),
                ),
                ("is_required", models.BooleanField(default=False, verbose_name="required")),
                (
                    "is_unique",
                    models.BooleanField(
                        default=False,
                        help_text="No two records may have the same value; empty values never clash.",
                        verbose_name="unique",
                    ),
                ),
                (
                    "applies_to",
                    models.CharField(
                        choices=[
                            ("both", "Companies and individuals"),
                            ("company", "Companies only"),
                            ("individual", "Individuals only"),
                        ],
                        default="both",
                        max_length=10,
                        verbose_name="applies to",
                    ),
                ),
                ("sort_order", models.IntegerField(default=0, help_text="Smaller first.", verbose_name="sort order")),
                (
                    "subordinates_may_edit",
                    models.BooleanField(
                        default=False,
                        help_text="If not, only the owner's superiors and administrators may change the value.",
                        verbose_name="subordinates may edit",
                    ),
                ),
                (
                    "shown_on_mobile",
                    models.BooleanField(
                        default=False,
                        help_text="The compact form shows required fields and these.",
                        verbose_name="shown on mobile",
                    ),
                ),
            ],
            options={
                "verbose_name": "field",
                "verbose_name_plural": "fields",
                "ordering": ["record_type", "sort_order", "id"],
                "constraints": [
                    models.UniqueConstraint(fields=("record_type", "name"), name="clients_fielddef_name_unique")
                ],
            },
        ),
        migrations.CreateModel(
            name="FieldOption",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="changed at")),
                ("key", models.CharField(max_length=80, verbose_name="key")),
                ("labels", models.JSONField(blank=True, default=dict, verbose_name="labels")),
                ("sort_order", models.IntegerField(default=0, verbose_name="sort order")),
                (
                    "is_retired",
                    models.BooleanField(
                        default=False,
                        help_text="Stays on the records that have it, but cannot be chosen anew.",
                        verbose_name="retired",
                    ),
                ),
                (
                    "field",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="options",
                        to="clients.fielddefinition",
                        verbose_name="field",
                    ),
                ),
            ],
            options={
                "verbose_name": "option",
                "verbose_name_plural": "options",
                "ordering": ["field", "sort_order", "id"],
                "constraints": [
                    models.UniqueConstraint(fields=("field", "key"), name="clients_fieldoption_key_unique")
                ],
            },
        ),
    ]
