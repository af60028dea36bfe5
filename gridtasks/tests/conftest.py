from disputes.tests.conftest import people  # noqa: F401
