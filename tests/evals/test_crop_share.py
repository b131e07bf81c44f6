"""The evaluation's crop pass re-reads a field's box, never a page: a coarse estimate covering most of
the page gave the merge a page of text as a field's only reading."""

from __future__ import annotations

import pytest
from PIL import Image

from evals.pipeline import MAX_CROP_SHARE, croppable


@pytest.mark.parametrize(
    ("box", "expected"),
    [
        ((100.0, 100.0, 400.0, 150.0), True),  # a field's line
        ((0.0, 0.0, 500.0, 500.0), True),  # exactly a quarter
        ((0.0, 0.0, 600.0, 600.0), False),
        ((0.0, 0.0, 1000.0, 1000.0), False),  # the whole page
    ],
)
def test_a_box_over_a_quarter_of_the_page_is_not_cropped(
    box: tuple[float, float, float, float], expected: bool
) -> None:
    assert MAX_CROP_SHARE == 0.25
    assert croppable(box, Image.new("L", (1000, 1000))) is expected
