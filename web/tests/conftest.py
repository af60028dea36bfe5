import pytest

from web.tests.catalog import build_catalog
from web.tests.tree import build_tree


@pytest.fixture(scope="session")
def zh_catalog_dir(tmp_path_factory):
    return build_catalog(tmp_path_factory.mktemp("locale"))


@pytest.fixture(autouse=True)
def web_strings_catalog(settings, zh_catalog_dir):
    """The page strings in Chinese even before the project's .po carries them (its entries win)."""
    settings.LOCALE_PATHS = [*settings.LOCALE_PATHS, str(zh_catalog_dir)]


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def tree(db):
    return build_tree(with_passwords=True)


@pytest.fixture
def login(client, tree):
    """login("street_a") → the test client, signed in as that persona."""

    def _login(persona):
        client.logout()
        if persona is not None:
            client.force_login(tree.users[persona], backend="django.contrib.auth.backends.ModelBackend")
        return client

    return _login
