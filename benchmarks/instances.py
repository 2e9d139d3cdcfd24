"""Named instance sets for the solver comparison, exported to MPS and LP files.

An *instance* is a model with a stable name (``land-delta41``,
``clusters-delta-41x13x5``...) and a recipe (a function that builds it).
Every instance is exported to an MPS and an LP file so that every solver — in
Python or not — reads exactly the same model; the instance's *content hash* is
the SHA-256 of its MPS file and is stored beside every result.

Exports are cached under a cache directory (``.cache/benchmarks`` in the
repository by default, ``REGIONOPT_BENCH_CACHE`` to override; not committed),
keyed by the instance name and a digest of the code that builds it (the
``regionopt`` package sources and the file that defines the set), so a changed
model is re-exported and gets a new hash.

Adding a set takes a few lines::

    @instance_set("plan", "the integrated plan (land + clusters)")
    def _plan_set() -> list[Instance]:
        from regionopt.plan import delta_plan   # whatever builds the problem
        return [Instance("plan-delta41", delta_plan, "41 Delta cities, illustrative inputs")]

``make`` returns either a regionopt problem (anything with ``to_pyomo()``; the
export goes through :func:`write_problem`) or a ``highspy.HighsLp``.
"""

from __future__ import annotations

import fnmatch
import functools
import hashlib
import inspect
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

__all__ = [
    "SETS",
    "ExportedInstance",
    "Instance",
    "InstanceSet",
    "default_cache_dir",
    "export",
    "instance_set",
    "select",
    "write_problem",
]

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Instance:
    """One benchmark instance.

    Attributes
    ----------
    name
        Stable name, unique over all sets (used in file names and results).
    make
        Builds the model: a regionopt problem (with ``to_pyomo()``) or a
        ``highspy.HighsLp``.
    description
        One line for the report (what it is, its size).
    large
        Not run unless asked for (``--include-large``): exports and solves take
        minutes and several GB.
    """

    name: str
    make: Callable[[], Any]
    description: str = ""
    large: bool = False


@dataclass(frozen=True)
class InstanceSet:
    name: str
    description: str
    instances: Callable[[], Sequence[Instance]]
    source_file: str


#: Registered sets, by name, in registration order.
SETS: dict[str, InstanceSet] = {}


def instance_set(name: str, description: str) -> Callable[[Callable[[], Sequence[Instance]]], Callable[[], Sequence[Instance]]]:
    """Register a function returning the instances of set ``name``."""

    def deco(func: Callable[[], Sequence[Instance]]) -> Callable[[], Sequence[Instance]]:
        SETS[name] = InstanceSet(name, description, func, inspect.getsourcefile(func) or "")
        return func

    return deco


def select(sets: Iterable[str], patterns: Sequence[str] = (), *, include_large: bool = False) -> list[tuple[str, Instance]]:
    """``(set name, instance)`` pairs of the named sets (``"all"``: every set).

    Parameters
    ----------
    sets
        Set names.
    patterns
        Optional shell-style patterns on instance names (any may match).
    include_large
        Also return instances marked ``large``.

    Raises
    ------
    KeyError
        Naming an unknown set (and listing the known ones).
    """
    names = list(SETS) if "all" in sets else list(sets)
    out: list[tuple[str, Instance]] = []
    for s in names:
        if s not in SETS:
            raise KeyError(f"unknown instance set {s!r}; known: {', '.join(SETS)}")
        for inst in SETS[s].instances():
            if inst.large and not include_large:
                continue
            if patterns and not any(fnmatch.fnmatchcase(inst.name, p) for p in patterns):
                continue
            out.append((s, inst))
    return out


# ---------------------------------------------------------------------------------------- export
def write_problem(problem: Any, paths: Sequence[Path]) -> None:
    """Write a regionopt problem to each of ``paths`` (format from the suffix, ``.mps`` or ``.lp``).

    The one place that turns a problem into files: once every problem class has
    ``write(path)``, replace the body by ``for p in paths: problem.write(p)``.
    """
    model = problem.to_pyomo()
    for p in paths:
        model.write(str(p), io_options={"symbolic_solver_labels": True})


def _write_highs_lp(lp: Any, paths: Sequence[Path]) -> None:
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(lp)
    for p in paths:
        h.writeModel(str(p))


@dataclass(frozen=True)
class ExportedInstance:
    """An instance written to disk.

    Attributes
    ----------
    name, set
        Instance and set names.
    mps, lp
        Paths of the two files (same model).
    sha256
        SHA-256 of the MPS file (the content hash).
    rows, cols, nonzeros, integers
        Size, as HiGHS reads the MPS file.
    sense
        ``"min"`` or ``"max"``.
    """

    name: str
    set: str
    mps: Path
    lp: Path
    sha256: str
    rows: int
    cols: int
    nonzeros: int
    integers: int
    sense: str
    description: str = ""

    @property
    def kind(self) -> str:
        return "MIP" if self.integers else "LP"


def default_cache_dir() -> Path:
    env = os.environ.get("REGIONOPT_BENCH_CACHE")
    return Path(env) if env else REPO / ".cache" / "benchmarks"


@functools.cache
def _tree_digest(root: str) -> str:
    h = hashlib.sha256()
    base = Path(root)
    for p in sorted(base.rglob("*")):
        if p.is_file() and "__pycache__" not in p.parts:
            h.update(str(p.relative_to(base)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()


def _recipe_key(set_name: str, inst: Instance) -> str:
    import regionopt

    src = SETS[set_name].source_file
    parts = {
        "name": inst.name,
        "description": inst.description,
        "regionopt": _tree_digest(str(Path(regionopt.__file__).parent)),
        "set_source": hashlib.sha256(Path(src).read_bytes()).hexdigest() if src else "",
        "pyomo": version("pyomo"),
        "highspy": version("highspy"),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _stats(mps: Path) -> dict[str, Any]:
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    if h.readModel(str(mps)) != highspy.HighsStatus.kOk:
        raise RuntimeError(f"HiGHS could not read back the exported file {mps}")
    lp = h.getLp()
    integ = list(lp.integrality_)
    return {
        "rows": int(lp.num_row_),
        "cols": int(lp.num_col_),
        "nonzeros": len(lp.a_matrix_.value_),
        "integers": sum(1 for t in integ if t != highspy.HighsVarType.kContinuous),
        "sense": "max" if lp.sense_ == highspy.ObjSense.kMaximize else "min",
    }


def export(set_name: str, inst: Instance, cache_dir: Path | None = None) -> ExportedInstance:
    """Export ``inst`` to ``<cache>/<name>/<hash16>.{mps,lp}`` unless already there.

    The files are written to a temporary directory first and moved into place,
    so a failed export leaves nothing behind.
    """
    cache = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    key = _recipe_key(set_name, inst)
    d = cache / inst.name
    manifest = d / f"recipe-{key[:24]}.json"
    if manifest.exists():
        meta = json.loads(manifest.read_text())
        mps, lp = d / meta["mps"], d / meta["lp"]
        if mps.exists() and lp.exists():
            return _exported(set_name, inst, mps, lp, meta)
    d.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=d) as tmp:
        tmp_mps, tmp_lp = Path(tmp) / "model.mps", Path(tmp) / "model.lp"
        obj = inst.make()
        if type(obj).__name__ == "HighsLp":
            _write_highs_lp(obj, [tmp_mps, tmp_lp])
        else:
            write_problem(obj, [tmp_mps, tmp_lp])
        sha = _sha256(tmp_mps)
        meta = {"sha256": sha, "mps": f"{sha[:16]}.mps", "lp": f"{sha[:16]}.lp", **_stats(tmp_mps)}
        os.replace(tmp_mps, d / meta["mps"])
        os.replace(tmp_lp, d / meta["lp"])
    tmp_manifest = manifest.with_suffix(".tmp")
    tmp_manifest.write_text(json.dumps(meta, indent=1))
    os.replace(tmp_manifest, manifest)
    return _exported(set_name, inst, d / meta["mps"], d / meta["lp"], meta)


def _exported(set_name: str, inst: Instance, mps: Path, lp: Path, meta: dict[str, Any]) -> ExportedInstance:
    return ExportedInstance(
        name=inst.name, set=set_name, mps=mps, lp=lp, sha256=meta["sha256"], rows=meta["rows"], cols=meta["cols"],
        nonzeros=meta["nonzeros"], integers=meta["integers"], sense=meta["sense"], description=inst.description,
    )


def exported_as_dict(e: ExportedInstance) -> dict[str, Any]:
    d = asdict(e)
    d["mps"], d["lp"] = str(e.mps), str(e.lp)
    d["kind"] = e.kind
    return d


# ------------------------------------------------------------------------------------------ sets
#: name -> (regions, provinces, sales partners per region, columns); 3 projects per region, seed 300.
#: The ~1M-column instance has 5,000 regions with 45 partners each rather than 20,000 with 8:
#: random_instance keeps a dense region x region distance table (20,000^2 floats would need
#: over 15 GiB to build).
LAND_RANDOM = {
    "r300": (300, 4, 8, "~15k"),
    "r1800": (1800, 8, 8, "~89k"),
    "r5000p45": (5000, 31, 45, "~988k"),
}


def _land_random(n: int, provinces: int, pairs: int, binary: bool) -> Any:
    from regionopt.land import random_instance

    p = random_instance(n, provinces, projects_per_region=3, pairs_per_region=pairs, seed=300)
    return p.with_settings(binary_projects=True) if binary else p


def _land_delta(binary: bool) -> Any:
    from regionopt.land import delta_example

    p = delta_example()
    return p.with_settings(binary_projects=True) if binary else p


@instance_set("land", "land-quota plans (LP; '-bin': projects all-or-nothing, MIP)")
def _land_set() -> list[Instance]:
    out = []
    for binary in (False, True):
        sfx, what = ("-bin", "binary projects (MIP)") if binary else ("", "continuous projects (LP)")
        out.append(Instance(f"land-delta41{sfx}", functools.partial(_land_delta, binary),
                            f"Delta 41 cities, regionopt.land.delta_example(), {what}"))
        for key, (n, k, pairs, cols) in LAND_RANDOM.items():
            out.append(Instance(
                f"land-{key}{sfx}", functools.partial(_land_random, n, k, pairs, binary),
                f"random_instance({n}, {k}, projects_per_region=3, pairs_per_region={pairs}, seed=300), "
                f"{cols} columns, {what}",
                large=key == "r5000p45",
            ))
    return out


def _clusters_delta(which: str) -> Any:
    from regionopt.clusters.example import delta_problem
    from regionopt.datasets import load_delta

    ids = list(load_delta().clusters.index)
    if which == "js13":
        js = [k for k in ids if k.startswith("JS18")]
        return delta_problem(js, roles_base=4)
    nat = [k for k in ids if k.startswith("NAT")]
    return delta_problem(nat, group_by_sector=True, roles_base=5)


def _clusters_random(n: int, k: int, r: int) -> Any:
    from regionopt.clusters.synthetic import random_problem

    return random_problem(n, k, r, seed=0)


CLUSTER_SEEDED = ((100, 15), (150, 20), (200, 25), (250, 30), (300, 40))


@instance_set("clusters", "cluster-role MIPs (Delta and seeded synthetic)")
def _clusters_set() -> list[Instance]:
    out = [
        Instance("clusters-delta-41x13x5", functools.partial(_clusters_delta, "js13"),
                 "41 Delta cities x Jiangsu's 13 key cluster industries x 5 roles (as benchmarks/bench_clusters.py)"),
        Instance("clusters-delta-41x24x5", functools.partial(_clusters_delta, "nat24"),
                 "41 Delta cities x all 24 national Delta clusters x 5 roles (as notebook 03, group_by_sector)"),
    ]
    for n, k in CLUSTER_SEEDED:
        out.append(Instance(f"clusters-seed0-{n}x{k}x5", functools.partial(_clusters_random, n, k, 5),
                            f"regionopt.clusters.synthetic.random_problem({n}, {k}, 5, seed=0)"))
    return out


NUCLEOLUS_PLAYERS = 20


@functools.lru_cache(maxsize=4)
def nucleolus_lps(n: int = NUCLEOLUS_PLAYERS, seed: int = 1) -> tuple[Any, ...]:
    """Every LP regionopt's nucleolus solves on the random ``n``-player game of ``bench_enclave``.

    The game is ``v(S) = |S| * U(0, 1)``, ``v(N) = n`` (numpy seed ``seed``).
    ``highspy.Highs.run`` is wrapped for the duration of the call to copy the
    LP it is about to solve (constraint-generation rounds of every stage and
    the final solve), in order; regionopt itself is not changed. Identical
    consecutive LPs are kept once.
    """
    import highspy
    import numpy as np

    from regionopt.enclave import CooperativeGame, nucleolus
    from regionopt.enclave.game import popcounts

    rng = np.random.default_rng(seed)
    v = popcounts(n) * rng.uniform(0, 1, size=1 << n)
    v[-1] = float(n)
    game = CooperativeGame([f"p{i}" for i in range(n)], v)
    captured: list[Any] = []
    orig_run = highspy.Highs.run

    def run(self: Any) -> Any:
        captured.append(self.getLp())
        return orig_run(self)

    highspy.Highs.run = run  # type: ignore[method-assign]
    try:
        nucleolus(game, verify=False)
    finally:
        highspy.Highs.run = orig_run  # type: ignore[method-assign]
    out: list[Any] = []
    last = None
    for lp in captured:
        sig = (lp.num_row_, lp.num_col_, tuple(lp.row_lower_), tuple(lp.row_upper_), tuple(lp.col_lower_),
               tuple(lp.col_upper_), tuple(lp.a_matrix_.value_), tuple(lp.a_matrix_.index_))
        if sig != last:
            out.append(lp)
        last = sig
    return tuple(out)


def _nucleolus_lp(i: int) -> Any:
    return nucleolus_lps()[i]


def _plan(which: str) -> Any:
    from regionopt.plan import delta_plan, jiangsu_clusters

    return delta_plan() if which == "seed" else delta_plan(jiangsu_clusters())


@instance_set("plan", "the integrated plan: the 41-city land market with cluster roles and enclaves (MIP)")
def _plan_set() -> list[Instance]:
    return [
        Instance("plan-delta-41x3x5", functools.partial(_plan, "seed"),
                 "the seed's three clusters on the Delta land market, the Delta's enclave pairs (illustrative)"),
        Instance("plan-delta-41x13x5", functools.partial(_plan, "jiangsu"),
                 "Jiangsu's 13 cluster industries on the Delta land market (illustrative)"),
    ]


@instance_set("nucleolus", "the LP sequence of regionopt's nucleolus on a random 20-player game")
def _nucleolus_set() -> list[Instance]:
    lps = nucleolus_lps()
    return [
        Instance(f"nucleolus-g{NUCLEOLUS_PLAYERS}-lp{i + 1:02d}", functools.partial(_nucleolus_lp, i),
                 f"LP {i + 1} of {len(lps)} solved by regionopt.enclave.nucleolus (constraint generation), "
                 f"{lp.num_row_} rows x {lp.num_col_} columns")
        for i, lp in enumerate(lps)
    ]
