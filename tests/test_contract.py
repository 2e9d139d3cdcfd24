"""The problem contract's small promises: settings, deprecations, options, optional extras."""

from __future__ import annotations

import builtins

import pytest

from regionopt import InputError, MissingExtraError, SolveOptions
from regionopt.clusters import ClusterSettings, ModelParams
from regionopt.land import LandQuotaProblem


def test_unknown_setting_suggests_the_nearest(tiny_land: dict) -> None:
    prob = LandQuotaProblem.from_frames(**tiny_land)
    with pytest.raises(InputError) as err:
        prob.with_settings(per_capita_spred_cap=5.0)
    assert err.value.table == "settings" and "per_capita_spread_cap" in str(err.value)


def test_with_params_is_a_deprecated_alias(delta_clusters) -> None:  # type: ignore[no-untyped-def]
    with pytest.warns(DeprecationWarning, match="with_settings"):
        p = delta_clusters.with_params(neighbour_km=10.0)
    assert p.settings.neighbour_km == 10.0 and p.settings == delta_clusters.with_settings(neighbour_km=10.0).settings
    assert ModelParams is ClusterSettings


def test_solve_keywords_merge_into_options() -> None:
    base = SolveOptions(time_limit=5.0)
    assert SolveOptions.make(base, mip_gap=0.01) == SolveOptions(time_limit=5.0, mip_gap=0.01)
    assert SolveOptions.make({"presolve": "off"}, solver="cbc").options == {"presolve": "off"}
    with pytest.raises(InputError) as err:
        SolveOptions.make(None, time_limt=5)
    assert err.value.field == "time_limt"


def test_highs_option_names_are_checked(tiny_land: dict) -> None:
    """{"time_limt": 5} used to run with no limit at all."""
    prob = LandQuotaProblem.from_frames(**tiny_land)
    with pytest.raises(InputError, match="time_limit"):
        prob.solve(options={"time_limt": 5})
    with pytest.raises(InputError, match="rejects"):
        prob.solve(options={"presolve": 3.5})


def test_missing_openpyxl_names_the_extra(tiny_land: dict, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Not an InputError for a table 'to_excel': the error names the pip command."""
    res = LandQuotaProblem.from_frames(**tiny_land).solve()
    real = builtins.__import__

    def no_openpyxl(name: str, *a, **k):  # type: ignore[no-untyped-def]
        if name == "openpyxl" or name.startswith("openpyxl."):
            raise ImportError("No module named 'openpyxl'")
        return real(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", no_openpyxl)
    monkeypatch.delitem(__import__("sys").modules, "openpyxl", raising=False)
    with pytest.raises(MissingExtraError, match=r'pip install "regionopt\[excel\]"'):
        res.to_excel(tmp_path / "plan.xlsx")
    assert not (tmp_path / "plan.xlsx").exists()


@pytest.mark.parametrize("suffix", [".mps", ".lp"])
def test_every_model_writes_the_model_it_solves(tmp_path, suffix: str, delta_land, delta_clusters) -> None:  # type: ignore[no-untyped-def]
    """problem.write(path): a solver outside Python reads the same model and finds the same optimum."""
    import highspy
    import pandas as pd

    from regionopt.enclave import SharingSchedule
    from regionopt.plan import delta_plan

    fc = pd.Series([100.0] * 12, index=range(1, 13))
    cases = [(delta_land, delta_land.solve(autarky=False).welfare),
             (delta_clusters, delta_clusters.solve(mip_gap=1e-9).objective),
             (SharingSchedule.from_frames(fc, {"A": 1.0, "B": 2.0}), 0.0)]
    plan = delta_plan()
    cases.append((plan, plan.solve(mip_gap=1e-9).objective))
    for i, (prob, expected) in enumerate(cases):
        path = prob.write(tmp_path / f"m{i}{suffix}")
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("mip_rel_gap", 1e-9)
        assert h.readModel(str(path)) == highspy.HighsStatus.kOk
        h.run()
        assert h.getInfo().objective_function_value == pytest.approx(expected, rel=1e-7, abs=1e-6), type(prob)
    with pytest.raises(InputError):
        delta_land.write(tmp_path / "model.txt")
