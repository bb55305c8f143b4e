from django.db import migrations

from clientela.clients.migrations_support import SearchIndex


class Migration(migrations.Migration):
    dependencies = [("clients", "0001_initial")]

    operations = [SearchIndex()]
