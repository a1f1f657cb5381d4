"""The lecture benchmark's protocol client (bench/_st_client.py) against a real `streamlit run`:
two students take a short tour (inspector, then a live sin fit), and the cross-talk detector."""

from __future__ import annotations

import concurrent.futures

import pytest

from bench.lecture import Options, foreign_seats, run, seat_number, where_seen


def test_seat_numbers_are_distinct_and_fit_the_seed_widgets():
    seats = [seat_number(index) for index in range(310)]
    assert len(set(seats)) == len(seats)
    assert all(1000 <= seat <= 10_000 for seat in seats)
    with pytest.raises(ValueError):
        seat_number(400)


def test_foreign_seats_finds_only_other_sessions_whole_numbers():
    seats = {seat_number(index) for index in range(3)}
    own, other = seat_number(0), seat_number(1)
    assert foreign_seats([f"torch.full((2, 6,), {own}.0)"], own, seats) == set()
    assert foreign_seats([f"torch.manual_seed({other})"], own, seats) == {other}
    assert foreign_seats([f"x = torch.tensor([{other}.0, 1.0])"], own, seats) == {other}
    assert foreign_seats([f"?tns_fill={other}.0&tns_dtype=float32"], own, seats) == {other}
    # numbers that merely contain the digits are not seats
    assert (
        foreign_seats([f"loss {other}.25", f"step 1,{other % 1000:03d}", f"{other}7"], own, seats)
        == set()
    )
    # a step count that happens to equal a seat (the sin fit's "(step 1819)") is not a seat
    assert foreign_seats([f"the next click runs (step {other})."], own, seats) == set()
    # the report quotes where a foreign number was seen
    assert where_seen(["nothing here", f"torch.manual_seed({other})"], other) == repr(
        f"torch.manual_seed({other})"
    )


def test_two_sessions_take_a_short_tour_without_cross_talk():
    """Widgets of each kind, a page switch, a live training fragment (auto-reruns) to its end."""
    options = Options(
        sessions=2,
        sin_steps=100,
        think=0.0,
        timeout=120.0,
        stagger=0.2,
        train_timeout=60.0,
        action_timeout=60.0,
        pages=("tensors", "sin-fit"),
    )
    # Own thread: the browser tests' sync Playwright may have left an event loop on this one.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        result = pool.submit(run, options).result()
    problems = result["error_samples"] + result["server_log_errors"]
    assert result["completed"] == 2, problems
    assert result["errors"] == 0, problems
    assert result["cross_talk"] == 0, problems
    assert result["interactions"] >= 2 * 9
    assert result["max_rss_mb"] > 0


def test_twins_share_a_seed_and_are_not_counted_as_cross_talk():
    from bench.lecture import Hall, same_seed_report, twin_seed

    options = Options(sessions=3)
    assert twin_seed(1, options) == seat_number(0) != seat_number(1)
    assert twin_seed(2, options) == seat_number(2)
    assert twin_seed(1, Options(sessions=3, twins=False)) == seat_number(1)
    hall = Hall(options)
    same = {"sin fit: Loss now": "8.8", "SIGNS: Test accuracy": "50.0%", "SIGNS: Test loss": "1.2"}
    hall.results = {0: dict(same), 1: dict(same)}
    assert same_seed_report(hall)["same_seed_identical"] is True
    hall.results[1]["SIGNS: Test accuracy"] = "45.0%"
    assert same_seed_report(hall)["same_seed_identical"] is False
    hall.results.pop(1)
    assert same_seed_report(hall)["same_seed_identical"] is None
