from disputes.tests.conftest import loop  # noqa: F401
