"""The demonstration model that `make run` promotes: built from a generated cohort, never
from the demo cohort it then classifies. No Django.

`build_demo_model` cross-validates the default profile on an analysed cohort folder, trains
the final model, exports it to ONNX and writes a card beside it (DEMO_CARD) with what a
reader needs: the pipeline version of its training features (serving refuses any other),
the cohort it came from, its cross-validated figures and the plain warning that it was
trained on synthetic data and is not for clinical use. Rebuild with
`python manage.py build_demo_model` (see its help) whenever the pipeline version changes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from classifier.ml.cohort import cohort_participants
from classifier.ml.config import DEFAULT_PROFILE, profile_config, sized_for
from classifier.ml.export import export_onnx
from classifier.ml.report import report_document
from classifier.ml.train import cross_validate, train_final

DEMO_DIR = Path(__file__).resolve().parents[1] / "demo"
DEMO_TASK = "backward"
DEMO_MODEL = DEMO_DIR / f"demo-{DEMO_TASK}.onnx"
DEMO_CARD = DEMO_DIR / f"demo-{DEMO_TASK}.json"
NOT_FOR_CLINICAL_USE = ("Demonstration model trained on synthetic (generated) participants; "
                        "not for clinical use.")


@dataclass(frozen=True)
class DemoModel:
    onnx: Path
    card: dict[str, Any]


def build_demo_model(cohort: Path, cache: Path, pipeline_version: str, *,
                     out_dir: Path = DEMO_DIR, seed: int = 0) -> DemoModel:
    """Cross-validate and train the default profile on the analysed cohort; write the ONNX
    model and its card to out_dir (replacing the previous ones)."""
    participants, skipped = cohort_participants(cohort, cache, DEMO_TASK)
    cfg = sized_for(profile_config(DEFAULT_PROFILE, task=DEMO_TASK, seed=seed,
                                   progress_bar=False), participants)
    result = cross_validate(participants, cfg)
    model = train_final(participants, cfg, epochs=result.final_epochs,
                        temperature=result.final_temperature)
    out_dir.mkdir(parents=True, exist_ok=True)
    onnx_path = out_dir / DEMO_MODEL.name
    exported = export_onnx(model, onnx_path, k=cfg.masks,
                           metadata={"train_config": cfg.to_dict(), "demo": True,
                                     "note": NOT_FOR_CLINICAL_USE})
    cohort_info = json.loads((cohort / "cohort.json").read_text())
    card = {
        "note": NOT_FOR_CLINICAL_USE,
        "task": DEMO_TASK,
        "profile": cfg.profile,
        "train_config": cfg.to_dict(),
        "pipeline_version": pipeline_version,
        "sha256": exported.sha256,
        "licence": "trained by this project; same licence as the project",
        "cohort": {"name": cohort.name, "seed": cohort_info.get("seed"),
                   "participants": len(participants), "skipped": skipped,
                   "generator_version": cohort_info.get("generator_version")},
        "cv": {"accuracy": result.accuracy, "auc": result.macro["auc"]["mean"],
               "report": report_document(result)},
    }
    card_path = out_dir / DEMO_CARD.name
    card_path.write_text(json.dumps(card, indent=2) + "\n")
    return DemoModel(onnx=onnx_path, card=card)


def shipped_demo_model() -> DemoModel | None:
    """The committed demo model and its card, checked against the card's sha256."""
    if not (DEMO_MODEL.exists() and DEMO_CARD.exists()):
        return None
    card = json.loads(DEMO_CARD.read_text())
    if hashlib.sha256(DEMO_MODEL.read_bytes()).hexdigest() != card["sha256"]:
        raise ValueError(f"{DEMO_MODEL} does not match the sha256 in {DEMO_CARD}")
    return DemoModel(onnx=DEMO_MODEL, card=card)
