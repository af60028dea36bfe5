from volunteers.tests.fixtures import world  # noqa: F401
