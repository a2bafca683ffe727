"""The competency table names each component by its own name, not its area's."""

import pytest

from lms.content.competency_table import COMPONENT_NAMES, competency_table, component_label
from lms.content.loader import COMPETENCIES


def test_every_component_has_a_label_of_its_own():
    assert set(COMPONENT_NAMES) == COMPETENCIES
    labels = [component_label(code) for code in sorted(COMPETENCIES)]
    assert len(set(labels)) == len(labels) == 24
    assert len(set(COMPONENT_NAMES.values())) == 24


@pytest.mark.parametrize(("code", "name"), [
    ("3.4", "Lập trình"),
    ("4.4", "Bảo vệ môi trường"),
    ("5.1", "Giải quyết các vấn đề kỹ thuật"),
    ("5.3", "Sử dụng sáng tạo công nghệ số"),
])
def test_uncovered_components_are_listed_by_their_names(code, name):
    # With no courses, every component is uncovered and listed under its own name.
    table = competency_table([])
    assert f"- {code} {name} (lĩnh vực " in table
