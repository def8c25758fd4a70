"""Writes for accounts, consent and data exports (HackSoft-style services)."""

from __future__ import annotations

import json
import logging
from typing import Any

from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from assessments import prom_scoring
from assessments.auth import activation_token_generator
from assessments.export import patient_data
from assessments.models import (
    Consent,
    ConsentPurpose,
    DataExport,
    Instrument,
    Patient,
    PromScore,
    User,
)
from assessments.selectors import consent_document_current, patient_has_active_consent
from assessments.storage_keys import data_export_key
from backtracker_site.api.errors import ApiError
from backtracker_site.jobs import enqueue_on_commit, job_claim, job_fail, job_finish

logger = logging.getLogger(__name__)


# --- Registration ---------------------------------------------------------------------


def activation_link(user: User, base_url: str) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = activation_token_generator.make_token(user)
    return f"{base_url.rstrip('/')}/accounts/activate/{uid}/{token}/"


@transaction.atomic
def patient_register(
    *, email: str, password: str, consent_to_care: bool, consent_to_training: bool = False,
    base_url: str, first_name: str = "", last_name: str = "",
    channel: str = Consent.Channel.APP, **profile: Any,
) -> None:
    """Create an inactive patient account and e-mail an activation link.

    The password must already be validated (RegistrationSerializer does it).
    The caller learns nothing about whether the address was already registered: an
    existing owner gets an e-mail instead, and both paths hash a password.
    """
    email = email.strip().lower()
    if not consent_to_care:
        raise ApiError(code="consent_required",
                       message="You need to agree to the care consent to create an account.")
    existing = User.objects.filter(email=email).first()
    if existing is not None:
        make_password(password)  # same work as the new-account path
        # One notice an hour per address, however many clients try (issue 18 row 4).
        if not cache.add(f"registration-notice:{email}", 1, timeout=3600):
            return
        transaction.on_commit(lambda: send_mail(
            "Your BackTracker account",
            "Someone tried to create a BackTracker account with this address. If it was you, "
            "sign in with your password or ask your clinic to reset it. Otherwise ignore this.",
            None, [email],
        ))
        return
    user = User.objects.create_user(email=email, password=password, is_active=False,
                                    role=User.Role.PATIENT, first_name=first_name,
                                    last_name=last_name)
    patient = Patient(user=user, **profile)
    patient.full_clean(exclude=["user"])
    patient.save()
    consent_grant(patient=patient, purpose=ConsentPurpose.CARE, channel=channel)
    if consent_to_training:
        consent_grant(patient=patient, purpose=ConsentPurpose.MODEL_TRAINING, channel=channel)
    link = activation_link(user, base_url)
    transaction.on_commit(lambda: send_mail(
        "Activate your BackTracker account",
        f"Open this link to activate your account:\n\n{link}\n",
        None, [email],
    ))


def user_activate(*, uidb64: str, token: str) -> bool:
    """Activate the account the link was made for; False for any invalid link."""
    try:
        user = User.objects.get(pk=force_str(urlsafe_base64_decode(uidb64)))
    except (User.DoesNotExist, ValueError, TypeError, OverflowError, ValidationError):
        return False  # a damaged link: not base64, not a UUID, no such user
    if not activation_token_generator.check_token(user, token):
        # Clicking a used link again while the account is active still says "active";
        # a deactivated or locked account stays as it is.
        return user.is_active and user.activated_at is not None
    user.is_active = True
    user.activated_at = timezone.now()
    user.save(update_fields=["is_active", "activated_at"])
    return True


PASSWORD_RESET_LINK_GAP = 300  # seconds


def password_reset_request(*, email: str, base_url: str) -> None:
    """E-mail a one-time link to choose a new password (Django's reset token: it stops
    working once the password changes or the user signs in). Only active accounts with
    a password get one; the caller learns nothing either way. A new password ends every
    session and refresh token (the password claim)."""
    email = email.strip().lower()
    user = User.objects.filter(email=email, is_active=True).first()
    if user is None or not user.has_usable_password():
        return
    if not cache.add(f"password-reset-link:{email}", 1, timeout=PASSWORD_RESET_LINK_GAP):
        return  # one link per address every few minutes, however many clients ask
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = f"{base_url.rstrip('/')}/accounts/reset/{uid}/{token}/"
    transaction.on_commit(lambda: send_mail(
        "Choose a new BackTracker password",
        f"Open this link to choose a new password:\n\n{link}\n\n"
        "If you did not ask for this, ignore this e-mail; your password stays as it is.",
        None, [email],
    ))


# --- Consent --------------------------------------------------------------------------


@transaction.atomic
def consent_grant(*, patient: Patient, purpose: str, channel: str = Consent.Channel.APP) -> Consent:
    """Record agreement to the current document for a purpose (idempotent while active)."""
    document = consent_document_current(purpose)
    if document is None:
        raise ApiError(code="no_consent_document", status_code=409,
                       message="The clinic has not published a consent text for this yet.")
    Patient.objects.select_for_update().filter(pk=patient.pk).first()  # serialise per patient
    active = patient.consents.filter(purpose=purpose, withdrawn_at__isnull=True).first()
    if active is not None:
        if active.document_id == document.id:
            return active
        active.withdrawn_at = timezone.now()  # superseded by the new version
        active.save(update_fields=["withdrawn_at"])
    consent = Consent(patient=patient, purpose=purpose, document=document, channel=channel)
    consent.full_clean()
    consent.save()
    return consent


@transaction.atomic
def consent_withdraw(*, consent: Consent) -> Consent:
    """Withdraw a consent; the record stays as evidence of what was agreed and when."""
    if consent.withdrawn_at is None:
        consent.withdrawn_at = timezone.now()
        consent.save(update_fields=["withdrawn_at"])
    return consent


# --- Data export ----------------------------------------------------------------------


def data_export_request(*, patient: Patient, requested_by: User) -> DataExport:
    export = DataExport.objects.create(patient=patient, requested_by=requested_by)
    enqueue_on_commit(export)
    return export


def data_export_build(*, export_id: str) -> None:
    """Write the export file and mark the export done; a no-op unless claimed here."""
    if not job_claim(DataExport, export_id):
        return
    export = DataExport.objects.select_related("patient__user").get(pk=export_id)
    key = data_export_key(patient_id=export.patient_id, export_id=export.id)
    try:
        body = json.dumps(patient_data(export.patient), indent=2, cls=DjangoJSONEncoder).encode()
        if default_storage.exists(key):  # a retry after a crash between save and update
            default_storage.delete(key)
        stored_key = default_storage.save(key, ContentFile(body))
    except Exception:
        job_fail(DataExport, export_id, code="export_failed",
                 message="The export could not be written; please request it again.")
        raise
    job_finish(DataExport, export_id, file_key=stored_key)
    logger.info("data export %s written (%d bytes)", export_id, len(body))


# --- Questionnaires ---------------------------------------------------------------------


def prom_submit(*, patient: Patient, code: str, answers: list[int | None]) -> PromScore:
    """Score one questionnaire with the version in use and keep it in the history."""
    instrument = Instrument.objects.filter(code=code, is_current=True).first()
    if instrument is None:
        raise Http404
    if not patient_has_active_consent(patient=patient, purpose=ConsentPurpose.CARE):
        raise ApiError(code="consent_required", status_code=403,
                       message="Agree to the care consent before answering questionnaires.")
    try:
        result = prom_scoring.score(instrument.definition, answers)
    except prom_scoring.ScoringError as exc:
        raise ApiError(code="invalid_answers", message=str(exc)) from exc
    return PromScore.objects.create(
        patient=patient, instrument=code, instrument_version=instrument.version,
        answers=list(answers), total=result.total, subscales=result.subscales,
        band=result.band, source=PromScore.Source.APP,
    )


def instrument_load_wording(*, code: str, version: str, items: dict[str, str]) -> Instrument:
    """Attach licensed item wording to an instrument version (keys are item numbers)."""
    instrument = Instrument.objects.get(code=code, version=version)
    count = instrument.definition["items"]
    numbers = {int(number) for number in items}
    if numbers != set(range(1, count + 1)):
        raise ValueError(f"{code} {version} has items 1-{count}; the file gives {sorted(numbers)}")
    instrument.wording = {str(int(number)): str(text) for number, text in items.items()}
    instrument.save(update_fields=["wording"])
    return instrument
