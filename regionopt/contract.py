"""The contract every optimisation model follows: a *problem* and its *result*.

A problem (:class:`Problem`) is validated tables plus a pydantic settings model.
It builds its sets, variables, constraint families and objective terms on any
Pyomo ``Block`` it is given (:meth:`Problem.build`), so several problems can
live in one model and be linked by a few shared rows (the integrated plan);
:meth:`Problem.to_pyomo` is ``build`` on a fresh ``ConcreteModel`` plus the
objective. :meth:`Problem.solve` runs the shared solve path
(:func:`regionopt.solve.solve_checked`) and reads the solution back into a
result (:class:`Result`): plain tables keyed by the user's names, the
:class:`~regionopt.SolveReport`, notes. Problems and results hold no Pyomo
object, so they pickle (process pools, Dask).

See docs/architecture.md for the flow and for how to add a rule or a model.
"""

from __future__ import annotations

import html
import math
import warnings
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Self

import pandas as pd
import pyomo.environ as pyo
from pydantic import BaseModel, ValidationError

from .errors import InputError
from .io.excel import TableSpec
from .solve import SolveOptions, SolveReport, Status
from .solve.highs import CompiledModel, compile_model

__all__ = ["Problem", "Result", "make_settings", "settings_table"]


def make_settings(cls: type[BaseModel], settings: BaseModel | Mapping[str, Any] | None,
                  **changes: Any) -> Any:
    """A settings model of type ``cls`` from an instance, a mapping or ``None``, with ``changes``.

    Raises
    ------
    InputError
        Naming table ``settings`` and the field of a bad value (an unknown name
        suggests the nearest one).
    """
    if isinstance(settings, cls) and not changes:
        return settings
    base: dict[str, Any] = {}
    if isinstance(settings, BaseModel):
        base = settings.model_dump(exclude_unset=False)
    elif settings is not None:
        if not isinstance(settings, Mapping):
            raise InputError(f"expected {cls.__name__} or a mapping of its fields, got {type(settings).__name__}",
                             table="settings")
        base = dict(settings)
    base.update(changes)
    # "statutory.base_10k_cny_per_mu": one field of a nested settings model (a workbook's settings rows)
    for key in [k for k in base if isinstance(k, str) and "." in k]:
        head, _, rest = key.partition(".")
        finfo = cls.model_fields.get(head)
        sub = finfo.annotation if finfo is not None else None
        if isinstance(sub, type) and issubclass(sub, BaseModel):
            cur = base.get(head)
            nested = cur.model_dump() if isinstance(cur, BaseModel) else dict(cur or {})
            nested[rest] = base.pop(key)
            base[head] = nested
    unknown = [k for k in base if k not in cls.model_fields]
    if unknown:
        import difflib

        near = difflib.get_close_matches(str(unknown[0]), list(cls.model_fields), n=1)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        raise InputError(f"unknown setting {unknown[0]!r}{hint} (settings of {cls.__name__}: "
                         f"{', '.join(cls.model_fields)})", table="settings", field=str(unknown[0]))
    for name, f in cls.model_fields.items():
        sub = base.get(name)
        sub_cls = f.annotation if isinstance(f.annotation, type) and issubclass(f.annotation, BaseModel) else None
        if sub_cls is not None and isinstance(sub, Mapping):
            bad = [k for k in sub if k not in sub_cls.model_fields]
            if bad:
                import difflib

                near = difflib.get_close_matches(str(bad[0]), list(sub_cls.model_fields), n=1)
                hint = f"; did you mean {name}.{near[0]}?" if near else ""
                raise InputError(f"unknown setting {name}.{bad[0]}{hint} (fields of {name}: "
                                 f"{', '.join(sub_cls.model_fields)})", table="settings", field=f"{name}.{bad[0]}")
    try:
        return cls(**base)
    except ValidationError as exc:
        e = exc.errors()[0]
        fld = ".".join(str(x) for x in e.get("loc", ()))
        raise InputError(f"{e.get('msg')} (got {e.get('input')!r})", table="settings", field=fld or None,
                         value=e.get("input")) from None


def settings_table(cls: type[BaseModel]) -> pd.DataFrame:
    """The settings of a problem as a table: ``setting, default, description`` (for docs and templates)."""
    rows = []
    for name, f in cls.model_fields.items():
        default = f.get_default(call_default_factory=True)
        if isinstance(default, BaseModel):
            default = ", ".join(f"{k}={v}" for k, v in default.model_dump().items())
        rows.append({"setting": name, "default": "" if default is None else default,
                     "description": (f.description or "").strip()})
    return pd.DataFrame(rows, columns=["setting", "default", "description"])


class Problem(ABC):
    """Base of every optimisation problem (land quotas, cluster roles, the integrated plan).

    Subclasses set :attr:`settings_class`, :attr:`objective_name` and
    :attr:`what`, hold validated inputs in ``self.inputs`` (whose ``settings``
    attribute is the settings model), and implement :meth:`from_frames`,
    :meth:`build` and :meth:`_solve`.
    """

    #: The pydantic settings model of the problem.
    settings_class: ClassVar[type[BaseModel]]
    #: Name of the objective on :meth:`to_pyomo`'s model.
    objective_name: ClassVar[str] = "objective"
    #: The plan's name in messages, e.g. ``"the land-quota plan"``.
    what: ClassVar[str] = "the plan"
    #: Name of the block when the problem is built inside a larger model.
    block_name: ClassVar[str] = "problem"
    #: The input tables (name -> :class:`~regionopt.io.excel.TableSpec`), for templates and docs.
    tables: ClassVar[dict[str, TableSpec]] = {}

    inputs: Any

    # ------------------------------------------------------------------ constructors
    @classmethod
    @abstractmethod
    def from_frames(cls, **tables: Any) -> Self:
        """Validate keyword tables (and ``settings=``) and create the problem."""

    @classmethod
    def from_excel(cls, path: str | Path, settings: BaseModel | Mapping[str, Any] | None = None) -> Self:
        """Read a workbook laid out like the model's template (``regionopt template``)."""
        from .io.excel import read_problem_workbook

        return read_problem_workbook(cls, path, settings)

    @classmethod
    def _workbook_keywords(cls, frames: dict[str, Any]) -> dict[str, Any]:
        """Turn the sheets read from a workbook into :meth:`from_frames` keywords (default: as they are)."""
        return frames

    # ------------------------------------------------------------------ settings
    @property
    def settings(self) -> Any:
        """The problem's settings (a pydantic model; see :attr:`settings_class`)."""
        return self.inputs.settings

    @abstractmethod
    def with_settings(self, **changes: Any) -> Self:
        """A copy of the problem with some settings changed (checked like :meth:`from_frames`)."""

    # ------------------------------------------------------------------ model
    @abstractmethod
    def build(self, block: pyo.Block) -> Any:
        """Add the model's sets, variables and constraint families to ``block``.

        Returns the objective expression (maximised, in the model's objective
        unit); the caller decides where the objective goes, so several problems
        can share one model.
        """

    def to_pyomo(self) -> pyo.ConcreteModel:
        """The Pyomo model: :meth:`build` on a fresh ``ConcreteModel`` plus the objective.

        Component names are those of the formulation page; the model itself is
        the problem's block, so ``m.balance`` (land) or ``m.near_core``
        (clusters) are at the top level.
        """
        m = pyo.ConcreteModel(name=self.block_name)
        expr = self.build(m)
        m.add_component(self.objective_name, pyo.Objective(expr=expr, sense=pyo.maximize, doc=self.objective_doc))
        return m

    #: Doc string of the objective component.
    objective_doc: ClassVar[str] = "objective"

    def compile(self) -> CompiledModel:
        """The model as arrays with row and column names (for :class:`~regionopt.solve.highs.LiveModel`).

        Default: compile :meth:`to_pyomo`. A model may assemble the same arrays
        straight from its tables (a matrix route) for speed at scale.
        """
        return compile_model(self.to_pyomo())

    def write(self, path: str | Path) -> Path:
        """Write the model as an MPS (``.mps``) or LP (``.lp``) file, names kept.

        The file is the same model :meth:`solve` solves, so solvers outside
        Python can be run on exactly this instance.
        """
        from .io.files import atomic_path

        path = Path(path)
        fmt = {".mps": "mps", ".lp": "lp"}.get(path.suffix.lower())
        if fmt is None:
            raise InputError("file must end in .mps or .lp", table="write", field="path", value=str(path))
        m = self.to_pyomo()
        with atomic_path(path) as tmp:
            m.write(str(tmp), format=fmt, io_options={"symbolic_solver_labels": True})
        return path

    # ------------------------------------------------------------------ solve
    def solve(self, options: SolveOptions | Mapping[str, Any] | None = None, **overrides: Any) -> Any:
        """Solve the problem and return its result.

        Parameters
        ----------
        options
            A :class:`~regionopt.SolveOptions`, or a mapping of solver-specific
            options (``{"presolve": "off"}``).
        **overrides
            ``solver`` (``"highs"`` default, or any Pyomo solver name),
            ``time_limit`` (s), ``mip_gap``, ``threads``, ``tee``, and the
            model's own keywords (e.g. land's ``autarky``).
        """
        own = {k: overrides.pop(k) for k in list(overrides) if k in self._solve_keywords}
        opts = SolveOptions.make(options, **overrides)
        result = self._solve(opts, **own)
        # what the inputs imply (e.g. an empty projects table) goes first in the notes
        first = [n for n in getattr(self.inputs, "notes", ()) if n not in result.notes]
        if first and isinstance(getattr(result, "notes", None), list):
            result.notes[:0] = first
        return result

    #: Keywords of :meth:`solve` that belong to the model rather than the solver.
    _solve_keywords: ClassVar[tuple[str, ...]] = ()

    @abstractmethod
    def _solve(self, options: SolveOptions, **kwargs: Any) -> Any:
        """Solve with resolved options (see :meth:`solve`)."""

    def label(self, key: Any) -> str:
        """User wording of an index entry (``"Hefei (340100)"``)."""
        lab = getattr(self.inputs, "label", None)
        return lab(key) if callable(lab) else str(key)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._size_text()})"

    def _size_text(self) -> str:
        return ""


@dataclass(kw_only=True, repr=False)
class Result:
    """Base of every result: status, objective, gap, report, notes; tables keyed by user names.

    Subclasses list their headline tables in :meth:`tables` (used by
    :meth:`to_excel`, ``repr`` and the notebook view) and give :meth:`summary`.
    """

    status: Status
    objective: float
    mip_gap: float
    report: SolveReport
    notes: list[str] = field(default_factory=list)

    #: Title of the result in reprs.
    title: ClassVar[str] = "result"

    def tables(self) -> dict[str, pd.DataFrame]:
        """The result tables by sheet name."""
        return {}

    def summary(self) -> pd.DataFrame:
        """Key figures as a one-column table (``value``)."""
        d = self.report.as_dict()
        return pd.DataFrame({"value": pd.Series(d, dtype=object)})

    @property
    def has_solution(self) -> bool:
        """False when the solve stopped (time limit) before finding any plan."""
        return self.status.has_solution

    def to_excel(self, path: str | Path) -> Path:
        """Write the summary, every table and the notes to a workbook (one sheet each).

        Written to a temporary file in the same folder and moved into place, so
        a failure never leaves a half-written workbook. Needs the ``excel`` extra.
        """
        from .io.excel import write_result_workbook

        return write_result_workbook(self, path)

    def _headline(self) -> list[str]:
        obj = "nan" if not math.isfinite(self.objective) else f"{self.objective:,.6g}"
        gap = "" if not math.isfinite(self.mip_gap) else f", gap {self.mip_gap:.3g}"
        return [f"{type(self).__name__}: {self.status.value}, objective {obj}{gap}, "
                f"{self.report.solve_seconds:.3g} s ({self.report.solver})"]

    def __repr__(self) -> str:
        lines = self._headline()
        sizes = ", ".join(f"{k} {len(v)}" for k, v in self.tables().items())
        if sizes:
            lines.append(f"  tables (rows): {sizes}")
        if self.notes:
            lines.append(f"  notes: {len(self.notes)} (see .notes)")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head = html.escape(self._headline()[0])
        rows = "".join(f"<li><code>{html.escape(k)}</code>: {len(v)} rows</li>" for k, v in self.tables().items())
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in self.notes[:5])
        more = f"<li>... {len(self.notes) - 5} more</li>" if len(self.notes) > 5 else ""
        return (f"<div><strong>{head}</strong><ul>{rows}</ul>"
                + (f"<p>Notes:</p><ul>{notes}{more}</ul>" if notes else "") + "</div>")


def deprecated_alias(new: str, old: str) -> None:
    """Warn once that ``old`` is a deprecated alias of ``new``."""
    warnings.warn(f"{old} is deprecated and will be removed in the next release; use {new}",
                  DeprecationWarning, stacklevel=3)
