from django.db import models
from django.utils.translation import gettext_lazy as _


class Language(models.TextChoices):
    """The six languages Clientela speaks (Django language codes)."""

    ENGLISH = "en", _("English")
    SPANISH = "es", _("Spanish")
    CATALAN = "ca", _("Catalan")
    ROMANIAN = "ro", _("Romanian")
    CZECH = "cs", _("Czech")
    CHINESE = "zh-hans", _("Simplified Chinese")
