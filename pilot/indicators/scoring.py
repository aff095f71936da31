"""The arithmetic of the indicators, kept apart from the queries so that it reads (and is tested)
on its own: the pass-rate anomaly statistics and the composite score with its weights.

Pass-rate anomalies (考核放水). A *unit* is a site, a province or the whole nation for one
certificate level, with ``n`` candidates assessed and ``passed`` of them passing. A unit is compared
with its *peers* — the other sites (or provinces) of the same certificate level, or, nationally, the
other certificate levels of the same assessment type — counting only units with at least the
minimum number of candidates (the rule set's ``anomaly_min_candidates``, default 30):

    rate    = passed / n
    median  = the median of the peers' rates (the unit itself left out)
    MAD     = the median of |peer rate − median|
    spread  = sqrt((1.4826 · MAD)² + median · (1 − median) / n), at least 0.005
    z       = (rate − median) / spread

1.4826 · MAD estimates the standard deviation of the peers' rates without letting one extreme peer
inflate it (a robust z-score); the binomial term is the noise a unit of ``n`` candidates shows by
chance alone, so a small unit needs a larger gap to stand out. A unit is flagged when it has at
least ``MIN_PEERS`` qualifying peers and ``z`` reaches the threshold (default 3.0) with the rate
above the median: only leniency is flagged, a strict site is not misbehaviour.

Composite score (0–100, higher is better), the weighted mean of the components that apply:

    component                          weight  sub-score (0–100)
    teacher training started           20      50 each for national and Hubei training started by
                                               the deadline (25 if later, or not yet due); n/a for
                                               an org selected after the deadline
    plan fulfilment                    25      min(assessed / planned, 100 %); n/a without a plan to date
    issuance timeliness                20      passes issued within 30 days / all passes handed to
                                               issuance; n/a without passes
    pass-rate anomalies                15      100 − 25 per flagged unit; n/a without results
    upheld complaints                  10      100 − 34 per upheld complaint
    fee proposals over the caps         5      100 − 20 per refusal
    paper copies                        5      share of the year's orders not overdue (14 days);
                                               n/a without orders

A component that does not apply (n/a) is left out and the others' weights are scaled to 100, so
an org is neither rewarded nor punished for what it had no occasion to do.
"""

import math
import statistics
from dataclasses import dataclass

WEIGHTS = {"training": 20, "plan": 25, "issuance": 20, "anomalies": 15, "complaints": 10, "fees": 5, "paper": 5}
MIN_PEERS = 3
MAD_SCALE = 1.4826
SPREAD_FLOOR = 0.005
ISSUE_WITHIN_DAYS = 30
PAPER_OVERDUE_DAYS = 14
PER_ANOMALY, PER_COMPLAINT, PER_REFUSAL = 25, 34, 20


@dataclass(frozen=True)
class Unit:
    key: tuple
    n: int
    passed: int

    @property
    def rate(self) -> float:
        return self.passed / self.n if self.n else 0.0


@dataclass(frozen=True)
class Outlier:
    unit: Unit
    median: float
    spread: float
    z: float
    peers: int


def peer_statistics(unit: Unit, peer_rates: list[float]) -> tuple[float, float, float]:
    """(median, spread, z) of ``unit`` against its peers' rates (see the module's docstring)."""
    median = statistics.median(peer_rates)
    mad = statistics.median([abs(r - median) for r in peer_rates])
    spread = max(math.sqrt((MAD_SCALE * mad) ** 2 + median * (1 - median) / unit.n), SPREAD_FLOOR)
    return median, spread, (unit.rate - median) / spread


def lenient_outliers(units: list[Unit], *, min_n: int, z_threshold: float) -> list[Outlier]:
    """The units of one peer group whose pass rate stands far above the others'."""
    qualified = [u for u in units if u.n >= min_n]
    if len(qualified) < MIN_PEERS + 1:
        return []
    flagged = []
    for i, unit in enumerate(qualified):
        peers = [u.rate for j, u in enumerate(qualified) if j != i]
        median, spread, z = peer_statistics(unit, peers)
        if unit.rate > median and z >= z_threshold:
            flagged.append(Outlier(unit=unit, median=median, spread=spread, z=z, peers=len(peers)))
    return flagged


# --- the composite score -------------------------------------------------------------------------

def training_component(*, national, hubei, deadline, as_of, selected_on=None) -> float | None:
    if selected_on is not None and selected_on > deadline:
        return None  # selected after this year's deadline: the deadline does not apply to it

    def part(started) -> float:
        if started is not None and started <= deadline:
            return 50.0
        if started is not None or as_of < deadline:
            return 25.0
        return 0.0

    return part(national) + part(hubei)


def components_of(figures: dict, *, deadline, as_of) -> dict[str, float | None]:
    """Each component's sub-score (0–100), None where it does not apply."""
    handed = figures["issued"] + figures["passed_not_issued"]
    on_time = figures["issued"] - figures["issued_late"]
    return {
        "training": training_component(national=figures["training_first_national"],
                                       hubei=figures["training_first_hubei"], deadline=deadline, as_of=as_of,
                                       selected_on=figures.get("selected_on")),
        "plan": min(100.0, figures["assessed"] * 100 / figures["planned"]) if figures["planned"] else None,
        "issuance": on_time * 100 / handed if handed else None,
        "anomalies": max(0.0, 100.0 - PER_ANOMALY * figures["anomalies"]) if figures["results"] else None,
        "complaints": max(0.0, 100.0 - PER_COMPLAINT * figures["complaints_upheld"]),
        "fees": max(0.0, 100.0 - PER_REFUSAL * figures["fee_refusals"]),
        "paper": (100.0 - figures["paper_overdue"] * 100 / figures["paper_orders"]) if figures["paper_orders"] else None,
    }


def composite(components: dict[str, float | None]) -> float:
    applying = {name: value for name, value in components.items() if value is not None}
    weight = sum(WEIGHTS[name] for name in applying)
    if not weight:
        return 0.0
    return round(sum(WEIGHTS[name] * value for name, value in applying.items()) / weight, 1)
