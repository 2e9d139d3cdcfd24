"""Zero-cost round trips through the national platform, removed from a solved plan without a second LP.

Where a buyer province's statutory charge equals the platform payout
(coefficient = ``platform_payout_coefficient``, e.g. 1.0 = 1.0), selling to the
platform and buying back costs nothing in the objective, so an optimal LP plan
may carry any amount of such round trips: a region "buys" quota it does not use
at the statutory charge and another region is paid for it. Total welfare is
right, the regions' welfare is not. :func:`drop_round_trips` removes them from
the plan in closed form; each step is exact:

1. **Netting.** A region that both buys from and sells to the platform the
   same ledger in the same period keeps only the difference. Its quota
   balance, the platform's clearing, every red line (net exports are
   unchanged) and its welfare are unchanged; budgets, purchase-share and
   export caps only loosen.
2. **Unused purchases.** Platform quota a buyer leaves unused -- slack in its
   quota balance in that period, or in a later one it banks the quota into --
   is not bought, and the sellers of that ledger and period sell the same
   amount less, each in proportion to its sale. Under
   ``red_line_follows_trade`` a purchase of area also counts towards the
   buyer province's red lines, so only what those red lines leave slack is
   removed, plus what sellers of the buyer's own province sell less in
   step (their province's net imports are then unchanged). The platform still
   clears; sellers' balances, red lines and caps only loosen.

3. **Inside one province.** Where within-province adjustment costs nothing,
   platform sales and zero-margin purchases of the same province, ledger and
   period go through the provincial pool instead (the province's quota
   leaves for the national platform and comes back): balances, both
   clearings and the province's net exports are unchanged.

The steps keep every rule and change the objective by
``(charge - payout) x amount = 0``, so the plan stays optimal and the
duals of the solve stay valid (any optimal primal and any optimal dual
solution of an LP are complementary). What the closed form does not reach --
quota bought and passed on at zero cost (quota banked on, within-province
adjustment at zero cost, a bilateral arc of zero cost) to a region that leaves
it unused -- is detected, and the caller then re-solves among the optimal plans
for the least platform purchases (warm-started on the live HiGHS model).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable

from ..solve import Solution
from .index import Key, LandIndex
from .inputs import LandInputs, ledger_need, reserve_yield
from .pricing import FARMLAND_LEDGERS
from .readback import bilateral_flows

__all__ = ["drop_round_trips", "zero_margin_purchases"]

_TOL = 1e-7


def zero_margin_purchases(ix: LandIndex) -> list[Key]:
    """Platform purchase keys whose statutory charge equals the payout (round trips cost nothing)."""
    return [k for k in ix.buy_keys if abs(ix.charge[k] - ix.payout[k[1]]) <= 1e-12]


class _Plan:
    """The values a cleanup reads and changes, with quota-balance and red-line slacks on demand."""

    def __init__(self, inp: LandInputs, ix: LandIndex, sol: Solution) -> None:
        self.inp, self.ix, self.sol = inp, ix, sol
        self.buy: dict[Hashable, float] = dict(sol.var("plat_buy"))
        self.sell: dict[Hashable, float] = dict(sol.var("plat_sell"))
        self.bank: dict[Hashable, float] = dict(sol.var("bank"))
        self._slack: dict[Key, float] = {}
        self._red: dict[tuple[str, int], float] = {}
        # bilateral flows above rounding, by (region, ledger, period), in arc order
        self.flows = bilateral_flows(ix, sol)
        self.inflow: dict[Key, float] = defaultdict(float)
        self.outflow: dict[Key, float] = defaultdict(float)
        self.out_flows: dict[Key, list[tuple[str, float, int]]] = defaultdict(list)
        for ((s, b, led), t), amt, pos in self.flows:
            self.inflow[(b, led, t)] += amt
            self.outflow[(s, led, t)] += amt
            self.out_flows[(s, led, t)].append((b, amt, pos))

    # quota balance: alloc + Gen + In - Use - Out - bank(t) + bank(t - 1) >= 0
    def slack(self, r: str, led: str, t: int) -> float:
        key = (r, led, t)
        v = self._slack.get(key)
        if v is None:
            v = self._slack[key] = self._balance_slack(r, led, t)
        return v

    def _balance_slack(self, r: str, led: str, t: int) -> float:
        inp, ix, sol = self.inp, self.ix, self.sol
        v = inp.allocations.get((r, led, t), 0.0)
        v -= sum(ledger_need(inp.projects[j], led) * sol.value("y", j) for j in ix.projects_at.get((r, t), []))
        v += sum(reserve_yield(inp.reserves[k], led) * sol.value("g", (*k, t)) for k in ix.tiers_of.get(r, []))
        v += self.inflow.get((r, led, t), 0.0)
        v -= self.outflow.get((r, led, t), 0.0)
        if inp.settings.within_province:
            v += sol.value("pool_in", (r, led, t)) - sol.value("pool_out", (r, led, t))
        v += self.buy.get((r, led, t), 0.0) - self.sell.get((r, led, t), 0.0)
        v -= self.bank.get((r, led, t), 0.0)
        v += self.bank.get((r, led, t - 1), 0.0)
        return v

    def shift_slack(self, key: Key, d: float) -> None:
        if key in self._slack:
            self._slack[key] += d

    # a province's red line under red_line_follows_trade: retained - net exports - floor >= 0
    def red_slack(self, p: str, t: int) -> float:
        v = self._red.get((p, t))
        if v is None:
            v = self._red[(p, t)] = self._red_line_slack(p, t)
        return v

    def _red_line_slack(self, p: str, t_upto: int) -> float:
        inp, ix, sol = self.inp, self.ix, self.sol
        floor = inp.provinces[p].farmland_floor_mu
        if floor is None:
            return float("inf")
        v = ix.farmland_base(inp, p) - floor
        for r in ix.regions_in.get(p, []):
            for t in ix.periods:
                if t > t_upto:
                    continue
                v -= sum(inp.projects[j].farmland_mu * sol.value("y", j) for j in ix.projects_at.get((r, t), []))
                v += sum(inp.reserves[k].area_per_mu * sol.value("g", (*k, t)) for k in ix.tiers_of.get(r, []))
                v -= self.sell.get((r, "area", t), 0.0) - self.buy.get((r, "area", t), 0.0)
        for ((s, b, led), t), amt, _pos in self.flows:
            if led != "area" or t > t_upto:
                continue
            ps, pb = ix.province_of[s], ix.province_of[b]
            if ps == pb or p not in (ps, pb):
                continue
            v += -amt if ps == p else amt
        return v

    def shift_red(self, p: str, t_from: int, d: float) -> None:
        for (q, t) in self._red:
            if q == p and t >= t_from:
                self._red[(q, t)] += d


def _net(plan: _Plan, keys: list[Key]) -> None:
    """Step 1: a region's purchases netted against its sales of the same ledger and period."""
    for k in keys:
        b, s = plan.buy.get(k, 0.0), plan.sell.get(k, 0.0)
        m = min(b, s)
        if m > 0:
            plan.buy[k] = b - m
            plan.sell[k] = s - m


def _removable(plan: _Plan, r: str, led: str, t: int) -> float:
    """Unused quota of r that a smaller purchase in t would leave: slack in t, or banked on into later slack."""
    avail = max(0.0, plan.slack(r, led, t))
    banked = plan.bank.get((r, led, t), 0.0)
    if banked > _TOL:
        avail += min(banked, _removable(plan, r, led, t + 1))
    return avail


def _remove(plan: _Plan, r: str, led: str, t: int, d: float) -> None:
    """Book ``d`` less inflow into (r, led, t): from its slack first, then from the quota banked on.

    Call with the slacks of (r, led, t) and later periods as they were before
    the inflow changed (:func:`_removable` reads them first).
    """
    use = min(d, max(0.0, plan.slack(r, led, t)))
    plan.shift_slack((r, led, t), -use)
    rest = min(d - use, plan.bank.get((r, led, t), 0.0))
    if rest > 0:
        plan.slack(r, led, t + 1)  # read before the quota banked into t + 1 changes
        plan.bank[(r, led, t)] = plan.bank.get((r, led, t), 0.0) - rest
        _remove(plan, r, led, t + 1, rest)


def drop_round_trips(inp: LandInputs, ix: LandIndex, sol: Solution) -> tuple[Solution, bool]:
    """Remove zero-cost platform round trips from an optimal plan (module docstring).

    Returns
    -------
    (solution, needs_lp)
        The cleaned solution (same duals) and whether a round trip the closed
        form cannot remove may remain (then re-solve for the least platform
        purchases among the optimal plans).
    """
    zero = zero_margin_purchases(ix)
    if not zero or not inp.settings.platform:
        return sol, False
    buy0 = sol.var("plat_buy")
    if not any(buy0.get(k, 0.0) > _TOL for k in zero):
        return sol, False
    plan = _Plan(inp, ix, sol)
    _net(plan, zero)
    follows = inp.settings.red_line_follows_trade
    by_group: dict[tuple[str, int], list[Key]] = defaultdict(list)
    for k in zero:
        if plan.buy.get(k, 0.0) > _TOL:
            by_group[(k[1], k[2])].append(k)
    for (led, t), keys in sorted(by_group.items(), key=lambda kv: (kv[0][1], FARMLAND_LEDGERS.index(kv[0][0]))):
        removed = 0.0  # taken from every seller of (led, t) in proportion
        for (r, _led, _t) in keys:
            b = plan.buy[(r, led, t)]
            d = min(b, _removable(plan, r, led, t))
            if d <= _TOL:
                continue
            local = 0.0
            if follows and led == "area":
                # the purchase counts towards the buyer province's red lines: a smaller one must leave
                # them room, unless sellers of the same province sell as much less (net imports unchanged)
                p = ix.province_of[r]
                room = max(0.0, min(plan.red_slack(p, tt) for tt in ix.periods if tt >= t))
                local = min(d - min(d, room), sum(plan.sell.get((q, led, t), 0.0) for q in ix.regions_in[p]))
                d = min(d, room) + local
                if d <= _TOL:
                    continue
                plan.shift_red(p, t, -(d - local))
                if local > 0:
                    _cut_sales(plan, [q for q in ix.regions_in[p]], led, t, local, red=False)
            plan.buy[(r, led, t)] = b - d
            _remove(plan, r, led, t, d)
            removed += d - local
        if removed > 0:
            _cut_sales(plan, ix.regions, led, t, removed, red=follows and led == "area")
    pool = _through_pool(plan, zero)
    values: dict[str, dict[Hashable, float]] = {"plat_buy": plan.buy, "plat_sell": plan.sell, **pool}
    if plan.bank:
        values["bank"] = plan.bank
    cleaned = sol.updated(values)
    return cleaned, _chains_remain(plan, zero)


def _cut_sales(plan: _Plan, regions: list[str], led: str, t: int, amount: float, *, red: bool) -> None:
    """Sales to the platform of ``regions`` in (led, t) shrink by ``amount``, each in proportion to its size."""
    sellers = [(s, plan.sell.get((s, led, t), 0.0)) for s in regions if plan.sell.get((s, led, t), 0.0) > 0]
    total = sum(v for _s, v in sellers)
    for s, v in sellers:
        cut = amount * v / total
        plan.sell[(s, led, t)] = v - cut
        plan.shift_slack((s, led, t), cut)
        if red:
            plan.shift_red(plan.ix.province_of[s], t, cut)


def _through_pool(plan: _Plan, zero: list[Key]) -> dict[str, dict[Hashable, float]]:
    """Step 3: platform sales and purchases inside one province become within-province adjustment.

    Only where that adjustment costs nothing (``intra_cost_10k_cny_per_unit`` 0)
    and the channel is open: per ledger and period, the province's
    zero-margin purchases and its sales to the platform shrink by the same
    amount ``m`` (each in proportion to its size) and the same ``m`` goes
    through the provincial pool. Every quota balance, the platform's and the
    pool's clearing and the red lines (the province's net exports) are
    unchanged; budgets only loosen.
    """
    inp, ix, sol = plan.inp, plan.ix, plan.sol
    st = inp.settings
    if not st.within_province or st.intra_cost_10k_cny_per_unit != 0:
        return {}
    po: dict[Hashable, float] = dict(sol.var("pool_out"))
    pi: dict[Hashable, float] = dict(sol.var("pool_in"))
    changed = False
    groups: dict[tuple[str, str, int], list[Key]] = defaultdict(list)
    for k in zero:
        if plan.buy.get(k, 0.0) > _TOL and ix.province_of[k[0]] not in ix.single_region_provinces:
            groups[(ix.province_of[k[0]], k[1], k[2])].append(k)
    for (p, led, t), buyers in groups.items():
        sellers = [(r, led, t) for r in ix.regions_in[p] if plan.sell.get((r, led, t), 0.0) > _TOL]
        b_tot = sum(plan.buy[k] for k in buyers)
        s_tot = sum(plan.sell[k] for k in sellers)
        m = min(b_tot, s_tot)
        if m <= _TOL:
            continue
        for k in buyers:
            d = plan.buy[k] * m / b_tot
            plan.buy[k] -= d
            pi[k] = pi.get(k, 0.0) + d
        for k in sellers:
            d = plan.sell[k] * m / s_tot
            plan.sell[k] -= d
            po[k] = po.get(k, 0.0) + d
        changed = True
    return {"pool_out": po, "pool_in": pi} if changed else {}


def _chains_remain(plan: _Plan, zero: list[Key]) -> bool:
    """Whether a remaining zero-margin purchase reaches unused quota through zero-cost moves.

    Moves: quota banked on, within-province adjustment at zero cost, bilateral
    arcs of zero cost above their contracted minimum.
    """
    inp, ix, sol = plan.inp, plan.ix, plan.sol
    st = inp.settings
    po, pi = sol.var("pool_out"), sol.var("pool_in")
    table = ix.arc_table
    start = [k for k in zero if plan.buy.get(k, 0.0) > _TOL]
    seen: set[Key] = set(start)
    todo = list(start)
    while todo:
        r, led, t = node = todo.pop()
        if node not in start and plan.slack(r, led, t) > _TOL:
            return True
        nxt: list[Key] = []
        if plan.bank.get(node, 0.0) > _TOL:
            nxt.append((r, led, t + 1))
        if st.within_province and st.intra_cost_10k_cny_per_unit == 0 and po.get(node, 0.0) > _TOL:
            nxt += [(q, led, t) for q in ix.regions_in[ix.province_of[r]] if pi.get((q, led, t), 0.0) > _TOL]
        for b, amt, pos in plan.out_flows.get(node, []):
            if table.cost[pos] == 0 and amt > table.lo[pos] + _TOL:
                nxt.append((b, led, t))
        for n in nxt:
            if n not in seen:
                seen.add(n)
                todo.append(n)
    return False
