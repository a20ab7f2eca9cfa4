"""Bounded page rendering: every size stays within a pixel budget, odd pages
are scaled to fit, failures are remembered, and the PDFium lock is held only
while PDFium works. The memory test runs a tiny hand-written PDF with a
24 x 14,400 point page, which once cost 4.3 GB per request."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.conf import settings
from PIL import Image

from documents import rendering, services
from documents.models import DocumentPage
from documents.rendering import MAX_PIXELS, MAX_SIDE, ImageSize
from tests.api import assert_error, client_for
from tests.conftest import World
from tests.documents.conftest import UploadFn
from tests.documents.pdfs import make_pdf, one_page_pdf

pytestmark = pytest.mark.django_db

SHAPES = [(24, 14400), (14400, 24), (14400, 14400), (595, 842), (842, 595), (1, 1), (3, 200000)]


def image_url(key: str, page: int, size: str) -> str:
    return f"/api/document-versions/{key}/pages/{page}/image/{size}/"


@pytest.mark.parametrize("size", list(ImageSize))
@pytest.mark.parametrize("shape", SHAPES, ids=[f"{w}x{h}" for w, h in SHAPES])
def test_every_size_fits_its_box_and_the_pixel_budget(
    shape: tuple[int, int], size: ImageSize
) -> None:
    width, height = rendering.target_size(*shape, size)
    box_width, box_height = rendering.BOXES[size]
    assert 1 <= width <= min(box_width, MAX_SIDE)
    assert 1 <= height <= min(box_height, MAX_SIDE)
    assert width * height <= MAX_PIXELS


def test_an_ordinary_page_keeps_its_width() -> None:
    assert rendering.target_size(595, 842, ImageSize.PHONE) == (720, 1019)
    assert rendering.target_size(842, 595, ImageSize.PROJECTOR) == (1528, 1080)


@pytest.mark.parametrize("size", ["phone", "projector"])
@pytest.mark.parametrize("shape", [(24, 14400), (14400, 24)], ids=["tall", "wide"])
def test_tall_and_wide_pages_render_scaled_to_fit(
    world: World, upload: UploadFn, shape: tuple[int, int], size: str
) -> None:
    version = upload(one_page_pdf(*shape))
    response = client_for(world.voters[0]).get(image_url(version.key, 1, size))
    assert response.status_code == 200
    image = Image.open(io.BytesIO(b"".join(response.streaming_content)))  # type: ignore[attr-defined]
    assert image.format == "WEBP"
    assert max(image.size) <= MAX_SIDE and image.width * image.height <= MAX_PIXELS
    assert image.size == rendering.target_size(*shape, ImageSize(size))


def test_a_failed_render_is_remembered_and_answers_409(
    world: World, upload: UploadFn, settings: object, private_cache: None
) -> None:
    # The stored file got damaged after its upload was checked: PDFium
    # cannot open it any more.
    version = upload(make_pdf(1))
    with open(version.file.path, "wb") as handle:
        handle.write(b"%PDF-1.4 damaged on disk")
    client = client_for(world.voters[0])
    body = assert_error(client.get(image_url(version.key, 1, "phone")), 409, "page_not_rendered")
    assert "Download the PDF" in body["detail"]
    # Repair the stored file: a second request still answers from the
    # remembered failure, without rendering again.
    with open(version.file.path, "wb") as handle:
        handle.write(make_pdf(1))
    assert_error(client.get(image_url(version.key, 1, "phone")), 409, "page_not_rendered")
    page = DocumentPage.objects.get(version=version, number=1)
    assert not page.phone_image
    # The failure is per size: the projector size is tried (and now works).
    assert client.get(image_url(version.key, 1, "projector")).status_code == 200
    # The PDFium lock is free for everyone else.
    assert_lock_free()


def assert_lock_free() -> None:
    """Another thread can take the PDFium lock."""
    taken: list[bool] = []

    def take() -> None:
        if rendering.LOCK.acquire(timeout=5):
            taken.append(True)
            rendering.LOCK.release()

    thread = threading.Thread(target=take)
    thread.start()
    thread.join()
    assert taken == [True]


@pytest.mark.django_db(transaction=True)
def test_a_page_being_rendered_does_not_hold_up_another_page(
    world: World, upload: UploadFn
) -> None:
    version = upload(make_pdf(2))
    first, second = DocumentPage.objects.filter(version=version).order_by("number")
    done: list[str] = []
    # Page 1 is busy (its render lock held); page 2 renders meanwhile.
    with services._rendering((first.pk, ImageSize.PHONE.value)):
        thread = threading.Thread(
            target=lambda: done.append(services.page_image(page=second, size=ImageSize.PHONE))
        )
        thread.start()
        thread.join(timeout=60)
        assert done and done[0]


MEMORY_SCRIPT = """
import json, resource, sys
from documents import rendering
data = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
sizes = []
for size in rendering.ImageSize:
    page = rendering.render_page(data, 1, size)
    sizes.append([page.width, page.height])
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"before_kb": before, "after_kb": after, "sizes": sizes}))
"""


def test_the_455_byte_tall_page_renders_in_bounded_memory(tmp_path: Path) -> None:
    """Measured in a fresh process (PDFium's bitmaps are not Python objects),
    with its address space capped so that a regression fails instead of
    taking the machine's memory."""
    pdf = tmp_path / "tall.pdf"
    pdf.write_bytes(one_page_pdf(24, 14400))
    assert len(pdf.read_bytes()) < 500
    cap = 2 * 1024**3
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import resource; resource.setrlimit(resource.RLIMIT_AS, ({cap}, {cap}))\n"
            + MEMORY_SCRIPT,
            str(pdf),
        ],
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    measured = json.loads(result.stdout)
    grown_mb = (measured["after_kb"] - measured["before_kb"]) / 1024
    assert grown_mb < 64, measured
    assert all(max(size) <= MAX_SIDE for size in measured["sizes"]), measured
