import pytest


@pytest.fixture(autouse=True)
def accounts_test_settings(settings):
    """Templates name static files: serve them unhashed, as tests run without collectstatic's manifest."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # Hashing passwords at full strength only slows the actors' creation down.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
