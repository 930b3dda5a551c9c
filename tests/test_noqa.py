import pytest

from ormlint.noqa import is_suppressed


@pytest.mark.parametrize(
    ("line", "code", "suppressed"),
    [
        ("x = 1  # noqa", "ORM101", True),
        ("x = 1  # NOQA", "ORM101", True),
        ("x = 1  # noqa: ORM101", "ORM101", True),
        ("x = 1  # noqa:ORM101,ORM301", "ORM301", True),
        ("x = 1  # noqa: ORM1", "ORM101", True),
        ("x = 1  # noqa: ORM", "ORM401", True),
        ("x = 1  # noqa: ORM301", "ORM101", False),
        ("x = 1  # noqa: E501 ORM101", "ORM101", True),
        ("x = 1  # noqa: E501", "ORM101", False),
        ("x = 1  # comment", "ORM101", False),
        ("x = 1", "ORM101", False),
        ("x = '# noqa'  # type: ignore", "ORM101", True),  # flake8 does the same
    ],
)
def test_noqa(line, code, suppressed):
    assert is_suppressed(line, code) is suppressed
