import pytest

from web.tests.tree import build_tree


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
