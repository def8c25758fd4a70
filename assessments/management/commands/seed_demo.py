"""Demo accounts for a first look at the platform: one admin, two physios, six patients."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from assessments.models import ConsentPurpose, Patient, User
from assessments.services import consent_grant

DEMO_PASSWORD = "backtracker-demo"
PHYSIOS = [
    ("physio.alex@demo.backtracker", "Alex", "Morgan"),
    ("physio.sam@demo.backtracker", "Sam", "Okafor"),
]
PATIENTS = [
    # e-mail, first, last, year of birth, sex, height, physio index, consents to training
    ("ana.silva@demo.backtracker", "Ana", "Silva", 1984, "female", 165, 0, True),
    ("ben.carter@demo.backtracker", "Ben", "Carter", 1972, "male", 181, 0, True),
    ("chloe.nguyen@demo.backtracker", "Chloe", "Nguyen", 1991, "female", 158, 0, False),
    ("dan.kowalski@demo.backtracker", "Dan", "Kowalski", 1967, "male", 176, 1, True),
    ("eva.rossi@demo.backtracker", "Eva", "Rossi", 1979, "female", 170, 1, True),
    ("femi.adeyemi@demo.backtracker", "Femi", "Adeyemi", 1988, "male", 185, 1, False),
]


def demo_user(email: str, role: str, first: str, last: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=DEMO_PASSWORD, role=role,
                                        first_name=first, last_name=last)
    return user


class Command(BaseCommand):
    help = "Create demo accounts (idempotent) and print their sign-in details."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        demo_user("admin@demo.backtracker", User.Role.ADMIN, "Ada", "Admin")
        physios = [demo_user(e, User.Role.PHYSIOTHERAPIST, f, la) for e, f, la in PHYSIOS]
        for email, first, last, born, sex, height, physio, training in PATIENTS:
            user = demo_user(email, User.Role.PATIENT, first, last)
            patient, _ = Patient.objects.get_or_create(
                user=user,
                defaults={"physiotherapist": physios[physio], "year_of_birth": born,
                          "sex": sex, "height_cm": height},
            )
            consent_grant(patient=patient, purpose=ConsentPurpose.CARE)
            if training:
                consent_grant(patient=patient, purpose=ConsentPurpose.MODEL_TRAINING)
        self.stdout.write(f"Demo sign-ins (password for all: {DEMO_PASSWORD}):")
        self.stdout.write("  admin      admin@demo.backtracker")
        for email, *_ in PHYSIOS:
            self.stdout.write(f"  physio     {email}")
        for email, *_ in PATIENTS[:2]:
            self.stdout.write(f"  patient    {email}")
        self.stdout.write(f"  (and {len(PATIENTS) - 2} more patients *@demo.backtracker)")
