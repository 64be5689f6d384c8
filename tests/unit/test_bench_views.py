"""The view-switch figure's samples (bench/views.py): one per switch, whatever the browser
reported."""

import pytest

from bench.views import UNREPORTED_MS, _input_to_paint


def test_an_unreported_switch_counts_as_the_reporting_threshold() -> None:
    assert _input_to_paint([40.0, 64.0], 4) == [40.0, 64.0, UNREPORTED_MS, UNREPORTED_MS]


def test_every_switch_reported_is_kept_as_it_is() -> None:
    assert _input_to_paint([24.0, 32.0, 120.0], 3) == [24.0, 32.0, 120.0]


def test_more_interactions_than_switches_is_an_error_not_a_figure() -> None:
    with pytest.raises(RuntimeError, match="3 interactions reported for 2 switches"):
        _input_to_paint([24.0, 32.0, 40.0], 2)
