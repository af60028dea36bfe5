"""The case tests' fixtures (`loop`: the cast plus the catalog and a district 市政 department with
handler_sz; `photo`: a JPEG factory), shared here."""

from cases.tests.conftest import loop, make_photo, photo  # noqa: F401
