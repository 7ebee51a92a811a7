"""lab.grading_eval: what the flow's warnings say about incidents and noise, and its arithmetic."""

from __future__ import annotations

from lab.grading_eval import GradingTally, grade_seed


def test_the_summary_counts_incidents_delays_and_noise_per_1000_cluster_days() -> None:
    a = GradingTally(
        incident_start={"1/scooter": 10.0, "1/enoki": 12.0},
        first_warning={"1/scooter": 13.5},
        noise_days=1500.0,
        noise_warned=["1/K-a"],
    )
    b = GradingTally(
        incident_start={"2/heater": 20.0},
        first_warning={"2/heater": 21.0},
        noise_days=500.0,
    )
    a.add(b)
    s = a.summary()
    assert (s["incidents"], s["incidents_warned"], s["incident_recall"]) == (3, 2, 0.6667)
    assert s["median_delay_days"] == 2.25  # delays 1.0 and 3.5
    assert s["false_alarms_per_1000_cluster_days"] == 0.5  # 1 over 2,000 noise cluster-days
    assert s["missed_incidents"] == ["1/enoki"]


def test_the_rules_warn_on_the_demo_sample_incidents_and_never_on_noise() -> None:
    tally = grade_seed(7, 42, "default", None, None).summary()
    assert tally["incidents"] == 3
    assert tally["incidents_warned"] == 3 and tally["missed_incidents"] == []
    assert tally["noise_clusters_warned"] == 0 and tally["noise_cluster_days"] > 1000
    assert tally["median_delay_days"] is not None and tally["median_delay_days"] >= 0


def test_held_out_shapes_are_courses_the_training_draw_never_makes() -> None:
    from lab.model_dataset import held_out_shapes, shapes_for, varied_shapes

    trained = [s for seed in range(200) for s in varied_shapes(seed)[1].values() if s.present]
    assert min(s.speed for s in trained) >= 0.6 and max(s.speed for s in trained) <= 1.8
    assert min(s.size for s in trained) >= 0.25
    courses = {"slow": 0, "fast": 0, "faint": 0}
    for seed in range(60):
        scale, shapes = held_out_shapes(seed)
        assert (scale, shapes) == held_out_shapes(seed) == shapes_for(seed, "held-out")
        for shape in shapes.values():
            assert shape.present and shape.feeds is None
            if shape.speed < 0.6:
                courses["slow"] += 1
            elif shape.speed > 1.8:
                courses["fast"] += 1
            else:
                assert shape.size < 0.25
                courses["faint"] += 1
    assert all(n > 20 for n in courses.values()), courses
