import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("clients", "0004_client_country_sort_index")]

    # Plain CREATE INDEX on both databases: no table rebuild, so SQLite's search triggers stay.
    operations = [
        migrations.AddIndex(
            model_name="client",
            index=models.Index(fields=["status", "tax_id"], name="clients_status_tax_id_idx"),
        ),
        migrations.AddIndex(
            model_name="client",
            index=models.Index(fields=["status", "registration_id"], name="clients_status_reg_id_idx"),
        ),
        migrations.AddIndex(
            model_name="client",
            index=models.Index(fields=["status", "vat_id"], name="clients_status_vat_id_idx"),
        ),
        migrations.AddIndex(
            model_name="client",
            index=models.Index(
                models.F("status"), django.db.models.functions.text.Lower("email"), name="clients_status_email_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="client",
            index=models.Index(fields=["status", "phone"], name="clients_status_phone_idx"),
        ),
    ]
