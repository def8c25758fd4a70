"""An admin retrains from the Django admin; a real worker on the training queue runs it."""

from __future__ import annotations

import pytest

from backtracker_site.models import JobStatus
from classifier.models import ModelVersion, TrainingRun
from tests.classifier.classifier_data import labelled_cohort
from tests.factories import AdminFactory
from tests.services import wait_until

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("reference_data"),
              pytest.mark.services, pytest.mark.slow]

FORM = {"task": "backward", "masks": 6, "folds": 2, "streams": ["images"], "profile": "quick",
        "epochs": 2}


def test_retrain_promote_and_roll_back_from_the_admin(client, start_worker) -> None:
    start_worker()  # first: the test then writes masks where the worker reads them
    labelled_cohort(8)
    client.force_login(AdminFactory())
    response = client.post("/admin/classifier/trainingrun/retrain/", FORM)
    assert response.status_code == 302
    run = TrainingRun.objects.get()
    busy = client.post("/admin/classifier/trainingrun/retrain/", FORM, follow=True)
    assert b"already queued or running" in busy.content
    page = client.get(f"/admin/classifier/trainingrun/{run.pk}/change/").content.decode()
    assert 'http-equiv="refresh"' in page  # live progress while it runs
    done = wait_until(lambda: TrainingRun.objects.filter(
        pk=run.pk, status__in=[JobStatus.DONE, JobStatus.FAILED]).first(), timeout=300)
    assert done.status == JobStatus.DONE, done.error_message
    page = client.get(f"/admin/classifier/trainingrun/{run.pk}/change/").content.decode()
    assert "accuracy" in page
    assert client.get(f"/admin/classifier/trainingrun/{run.pk}/roc.png").status_code == 200
    first = done.model_version
    changelist = "/admin/classifier/modelversion/"
    client.post(changelist, {"action": "promote", "_selected_action": [first.pk]})
    assert ModelVersion.objects.get(is_active=True) == first
    second = ModelVersion.objects.create(number=2, task="backward", onnx_key=first.onnx_key,
                                         onnx_sha256=first.onnx_sha256,
                                         cv_accuracy=first.cv_accuracy + 0.01)
    client.post(changelist, {"action": "promote", "_selected_action": [second.pk]})
    assert ModelVersion.objects.get(is_active=True) == second
    client.post(changelist, {"action": "roll_back", "_selected_action": [second.pk]})
    assert ModelVersion.objects.get(is_active=True) == first
