"""A progress bar for sweeps: done / failed / rate / time left (tqdm, notebook-aware)."""

from __future__ import annotations

from typing import Any

from ..errors import require

__all__ = ["Progress"]


class Progress:
    """Counts finished and failed scenarios; shows a tqdm bar when enabled.

    Parameters
    ----------
    total
        Scenarios to run.
    enabled
        ``True``: show a bar (needs tqdm: the ``scenarios`` extra); ``False``:
        none; ``None``: a bar if tqdm is installed.
    initial
        Scenarios already in the store (shown in the description).
    """

    def __init__(self, total: int, enabled: bool | None, *, initial: int = 0) -> None:
        self.done = 0
        self.failed = 0
        self.bar: Any = None
        if enabled is False:
            return
        if enabled is True:
            require("tqdm", extra="scenarios", what="the sweep progress bar")
        try:
            from tqdm.auto import tqdm
        except ImportError:
            return
        desc = "scenarios" + (f" ({initial} already stored)" if initial else "")
        self.bar = tqdm(total=total, desc=desc, unit="scen", dynamic_ncols=True, leave=True)

    def update(self, n: int, failed: int) -> None:
        self.done += n
        self.failed += failed
        if self.bar is not None:
            self.bar.update(n)
            self.bar.set_postfix(done=self.done, failed=self.failed, refresh=False)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
