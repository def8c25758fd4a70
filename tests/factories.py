"""factory_boy factories for the platform's models."""

from __future__ import annotations

import factory
from django.contrib.auth.hashers import make_password
from rest_framework_simplejwt.tokens import RefreshToken

from assessments.models import Patient, User

TEST_PASSWORD = "correct horse battery staple"
# Argon2 is slow on purpose; hash once and give every factory user the same hash.
_TEST_PASSWORD_HASH = make_password(TEST_PASSWORD)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    role = User.Role.PATIENT
    password = _TEST_PASSWORD_HASH


class PhysiotherapistFactory(UserFactory):
    role = User.Role.PHYSIOTHERAPIST


class AdminFactory(UserFactory):
    role = User.Role.ADMIN


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    user = factory.SubFactory(UserFactory)
    physiotherapist = factory.SubFactory(PhysiotherapistFactory)
    year_of_birth = factory.Faker("random_int", min=1940, max=2005)
    sex = factory.Iterator([choice for choice, _ in Patient.Sex.choices])
    height_cm = factory.Faker("random_int", min=150, max=200)


def bearer(user: User) -> dict[str, str]:
    """Test-client keyword arguments carrying a fresh access token for the user."""
    return {"HTTP_AUTHORIZATION": f"Bearer {RefreshToken.for_user(user).access_token}"}
