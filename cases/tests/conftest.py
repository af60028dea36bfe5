import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def make_photo(name="photo.jpg", color=(200, 80, 40), exif_gps=False) -> SimpleUploadedFile:
    image = Image.new("RGB", (64, 48), color)
    out = io.BytesIO()
    kwargs = {}
    if exif_gps:
        exif = Image.Exif()
        exif[0x010F] = "TestCam"  # Make
        exif[0x8825] = {1: "N", 2: (35.0, 44.0, 0.0), 3: "E", 4: (114.0, 17.0, 0.0)}  # GPS IFD
        kwargs["exif"] = exif
    image.save(out, format="JPEG", **kwargs)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


@pytest.fixture
def photo():
    return make_photo


@pytest.fixture
def loop(cast, settings, tmp_path):
    """The cast plus the catalog, a second district department and a media folder of its own."""
    from accounts.actions import create_user, grant_role
    from areas.actions import save_department
    from cases.catalog import load_default_catalog
    from conftest import PASSWORD

    settings.MEDIA_ROOT = str(tmp_path / "media")
    load_default_catalog()
    sz = save_department(None, name="区市政局", code="410611-SZ", kind="municipal", area=cast.district)
    handler = create_user(None, username="handler_sz", password=PASSWORD, full_name="市政承办")
    grant_role(None, user=handler, role="department_handler", department=sz)
    cast.users["handler_sz"] = handler
    cast.dept_sz = sz
    return cast
