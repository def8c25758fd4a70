"""The planted phenotype: group-dependent latents, group-blind everything else, Bayes limit."""

from __future__ import annotations

import numpy as np
from scipy import stats

from mlpipeline.synthetic.motion import backward_shares, bend_angles, bend_shares, extension_pattern
from mlpipeline.synthetic.participant import sample_participant
from mlpipeline.synthetic.phenotype import (
    LATENTS,
    PROMS,
    bayes_optimal_accuracy,
    prom_bayes_accuracy,
    sample_latents,
)

N = 400  # participants per group


def _latent_matrix(group: str, n: int = N, seed: int = 7) -> np.ndarray:
    rng = np.random.default_rng([seed, 0 if group == "FP" else 1])
    return np.array([[sample_latents(rng, group)[s.name] for s in LATENTS] for _ in range(n)])


def test_bayes_accuracy_is_between_chance_and_perfect() -> None:
    acc = bayes_optimal_accuracy()
    assert 0.5 < acc < 1.0
    assert 0.5 < prom_bayes_accuracy() < acc


def test_bayes_accuracy_matches_the_optimal_rule_on_samples() -> None:
    fp, ep = _latent_matrix("FP", 4000), _latent_matrix("EP", 4000)
    sd = np.array([s.sd for s in LATENTS])
    mean_fp = np.array([s.mean_fp for s in LATENTS])
    mean_ep = np.array([s.mean_ep for s in LATENTS])

    def says_ep(x: np.ndarray) -> np.ndarray:  # nearest mean in standardised units
        return np.sum(((x - mean_ep) / sd) ** 2, 1) < np.sum(((x - mean_fp) / sd) ** 2, 1)

    empirical = (np.mean(~says_ep(fp)) + np.mean(says_ep(ep))) / 2
    assert abs(empirical - bayes_optimal_accuracy()) < 0.015


def test_latent_parameters_differ_by_group() -> None:
    fp, ep = _latent_matrix("FP"), _latent_matrix("EP")
    for k, spec in enumerate(LATENTS):
        result = stats.ttest_ind(fp[:, k], ep[:, k], equal_var=False)
        assert result.pvalue < 1e-6, spec.name
        assert np.sign(ep[:, k].mean() - fp[:, k].mean()) == np.sign(spec.mean_ep - spec.mean_fp)
    # Overlapping classes: no single latent separates the groups.
    for k in range(len(LATENTS)):
        assert fp[:, k].max() > ep[:, k].min()
        assert ep[:, k].max() > fp[:, k].min()


def _nuisance(seed: int, index: int, group: str) -> dict[str, float]:
    p = sample_participant(seed, index, group)
    fwd = p.setups["forward"]
    return {
        "stature": p.shape.stature,
        "girth": p.shape.girth,
        "skin": float(np.mean(p.appearance.skin)),
        "shirt": float(np.mean(p.appearance.shirt)),
        "forward_theta": p.style.forward_theta_deg,
        "backward_theta": p.style.backward_theta_deg,
        "descend_s": p.style.descend_s,
        "knee": p.style.forward_knee_deg,
        "fps": float(fwd.fps),
        "width": float(fwd.width),
        "fill": fwd.camera.fill,
        "camera_height": fwd.camera.height,
        "wall": p.room.wall_distance,
        "noise": fwd.noise,
    }


def test_other_attributes_do_not_depend_on_the_group() -> None:
    # Same participant slot drawn as FP and as EP: every nuisance attribute is identical.
    for index in range(20):
        assert _nuisance(3, index, "FP") == _nuisance(3, index, "EP")
    # And across a cohort the two groups' attribute distributions match.
    fp = [_nuisance(5, i, "FP") for i in range(0, 2 * N, 2)]
    ep = [_nuisance(5, i, "EP") for i in range(1, 2 * N, 2)]
    for key in fp[0]:
        a, b = [row[key] for row in fp], [row[key] for row in ep]
        assert stats.ks_2samp(a, b).pvalue > 1e-3, key


def test_proms_depend_weakly_on_the_group() -> None:
    fp = [sample_participant(9, i, "FP").proms for i in range(N)]
    ep = [sample_participant(9, i, "EP").proms for i in range(N)]
    for spec in PROMS:
        a = np.array([row[spec.name] for row in fp])
        b = np.array([row[spec.name] for row in ep])
        assert a.min() >= spec.low
        assert a.max() <= spec.high
        effect = (a.mean() - b.mean()) / spec.sd
        assert abs(effect) < 0.6, spec.name
        if abs(spec.fp_shift_sd) >= 0.2:
            assert np.sign(effect) == np.sign(spec.fp_shift_sd), spec.name


def test_ep_extends_through_a_lower_lumbar_hinge_than_fp() -> None:
    """At the backward hold EP puts more of its lumbar extension at L5/S1 and L4/L5."""
    share = {"FP": [], "EP": []}
    for group in share:
        for index in range(60):
            p = sample_participant(11, index, group)
            extension = []
            for progress in (0.0, 1.0):
                angles, _ = bend_angles(
                    p.shape,
                    p.phenotype,
                    p.style,
                    "backward",
                    np.array([progress]),
                    40.0,
                    base_hip=0.0,
                )
                extension.append(angles.lumbar[0])
            moved = extension[0] - extension[1]  # positive: extension during the bend
            share[group].append(moved[:2].sum() / max(moved.sum(), 1e-6))
    assert np.mean(share["EP"]) > np.mean(share["FP"]) + 0.1


def test_extension_pattern_is_invertible_so_the_bayes_limit_holds() -> None:
    """The latent reaches the motion through a strictly increasing map: nothing is lost."""
    hinge = np.linspace(-0.6, 1.6, 2001)
    pattern = np.array([extension_pattern(h) for h in hinge])
    assert np.all(np.diff(pattern) > 0)
    assert pattern.min() > 0.0
    assert pattern.max() < 1.0
    shares = np.array([backward_shares(h) for h in hinge])  # (lumbar, thoracic)
    assert np.all(np.diff(shares[:, 0]) > 0)
    assert np.all(np.diff(shares[:, 1]) < 0)
    assert shares.min() > 0.02
    assert shares.sum(axis=1).max() < 0.9


def test_ep_extends_through_the_lumbar_spine_and_fp_through_hips_and_thorax() -> None:
    fp = [_shares_of(sample_participant(13, i, "FP")) for i in range(N)]
    ep = [_shares_of(sample_participant(13, i, "EP")) for i in range(N)]
    hip, lumbar, thoracic = (np.array(fp) - np.array(ep)).mean(axis=0)
    assert lumbar < -0.2  # EP takes clearly more of the extension in the lumbar spine
    assert hip > 0.1
    assert thoracic > 0.1


def _shares_of(p) -> tuple[float, ...]:
    return bend_shares(p.phenotype, p.style, "backward")
