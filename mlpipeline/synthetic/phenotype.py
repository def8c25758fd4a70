"""Planted FP/EP phenotype: latent movement parameters, Bayes limit and PROM totals.

Each participant has a latent vector z ~ N(mu_group, I) (one coordinate per parameter
below). A parameter is an affine function of its coordinate, value = centre + sd * z, so
the map is invertible and the Bayes-optimal accuracy on the parameters equals that on z:
with equal priors and a shared identity covariance it is Phi(Delta / 2), Delta being the
distance between the two group means. Nothing else in a participant depends on the group,
so no classifier that sees only the videos can beat this figure (it sees the latents
through rendering, pose noise and compression, and usually does worse).

Clinical reading (O'Sullivan's motor-control classification): FP moves more in the lumbar
spine in forward bending and extends with a flat thoraco-lumbar curve; EP keeps more
lordosis, bends forward from the hips and extends through a lumbar hinge (low lumbar
segments take most of the extension). As in the method's paper, where backward-bend masks
classified best, the backward bend carries most of the separation: one "extension pattern"
latent moves the lumbar share, the thoracic share and the hinge together, because that is
how the two patterns differ clinically.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

GROUPS = ("FP", "EP")


@dataclass(frozen=True)
class LatentSpec:
    """One planted parameter: group means and the shared within-group SD."""

    name: str
    mean_fp: float
    mean_ep: float
    sd: float
    meaning: str

    @property
    def separation(self) -> float:
        """Standardised mean difference (EP - FP) / SD."""
        return (self.mean_ep - self.mean_fp) / self.sd


LATENTS: tuple[LatentSpec, ...] = (
    LatentSpec(
        "standing_lordosis_deg",
        40.0,
        47.0,
        7.0,
        "lumbar lordosis when standing (sum of the five lumbar joint angles, degrees)",
    ),
    LatentSpec(
        "forward_lumbar_share",
        0.44,
        0.35,
        0.10,
        "fraction of the forward-bend rotation taken by the lumbar spine (rest: hips and "
        "thoracic spine)",
    ),
    LatentSpec(
        "backward_lumbar_hinge",
        0.25,
        0.75,
        0.20,
        "how the backward-bend extension is shared out: low values spread it over the hips, "
        "thoracic and lumbar spine (a flat back), high values concentrate it in the lumbar "
        "spine, mostly at L4-S1 (a lumbar hinge); see motion.backward_shares",
    ),
)


def mahalanobis_separation(latents: tuple[LatentSpec, ...] = LATENTS) -> float:
    """Distance between the FP and EP means in the standardised latent space."""
    return float(np.sqrt(sum(spec.separation**2 for spec in latents)))


def bayes_optimal_accuracy(latents: tuple[LatentSpec, ...] = LATENTS) -> float:
    """Accuracy of the best possible classifier on the latents, equal priors."""
    return float(norm.cdf(mahalanobis_separation(latents) / 2.0))


def sample_latents(rng: np.random.Generator, group: str) -> dict[str, float]:
    """Draw one participant's phenotype parameters given the group."""
    z = rng.standard_normal(len(LATENTS))
    values = {}
    for spec, zk in zip(LATENTS, z, strict=True):
        centre = spec.mean_fp if group == "FP" else spec.mean_ep
        values[spec.name] = float(centre + spec.sd * zk)
    return values


@dataclass(frozen=True)
class PromSpec:
    """A PROM total: population mean and SD, range, and group shift in SD units."""

    name: str
    mean: float
    sd: float
    low: float
    high: float
    fp_shift_sd: float  # FP mean = mean + shift * sd / 2, EP mean = mean - shift * sd / 2
    integer: bool = True


# Weak, arbitrary but documented dependence: FP participants report slightly more pain,
# disability, catastrophising, fear and anxiety, and slightly less self-efficacy.
PROMS: tuple[PromSpec, ...] = (
    PromSpec("vas", 45.0, 18.0, 0, 100, 0.25),
    PromSpec("odi", 28.0, 12.0, 0, 100, 0.25),
    PromSpec("pcs", 20.0, 10.0, 0, 52, 0.25),
    PromSpec("pseq", 38.0, 12.0, 0, 60, -0.25),
    PromSpec("sbt", 4.0, 2.0, 0, 9, 0.25),
    PromSpec("tsk", 38.0, 7.0, 17, 68, 0.25),
    PromSpec("csq", 70.0, 20.0, 0, 150, 0.10),
    PromSpec("pass20", 40.0, 18.0, 0, 100, 0.25),
)


def prom_bayes_accuracy() -> float:
    """Bayes accuracy from the PROM totals alone (before rounding and clipping)."""
    delta = float(np.sqrt(sum(spec.fp_shift_sd**2 for spec in PROMS)))
    return float(norm.cdf(delta / 2.0))


def sample_proms(rng: np.random.Generator, group: str) -> dict[str, float]:
    """Draw PROM totals: independent normals with a weak group shift, clipped, rounded."""
    sign = 1.0 if group == "FP" else -1.0
    z = rng.standard_normal(len(PROMS))
    values = {}
    for spec, zk in zip(PROMS, z, strict=True):
        mean = spec.mean + sign * spec.fp_shift_sd * spec.sd / 2.0
        value = float(np.clip(mean + spec.sd * zk, spec.low, spec.high))
        values[spec.name] = float(round(value)) if spec.integer else value
    return values


def phenotype_summary() -> dict[str, object]:
    """JSON-ready description of the planted phenotype and its limits."""
    return {
        "latents": [
            {
                "name": s.name,
                "mean_fp": s.mean_fp,
                "mean_ep": s.mean_ep,
                "sd": s.sd,
                "separation_sd": round(s.separation, 4),
                "meaning": s.meaning,
            }
            for s in LATENTS
        ],
        "mahalanobis_separation": round(mahalanobis_separation(), 4),
        "bayes_optimal_accuracy": round(bayes_optimal_accuracy(), 4),
        "prom_only_bayes_accuracy": round(prom_bayes_accuracy(), 4),
        "proms": [
            {
                "name": s.name,
                "mean": s.mean,
                "sd": s.sd,
                "range": [s.low, s.high],
                "fp_minus_ep_sd": s.fp_shift_sd,
            }
            for s in PROMS
        ],
    }
