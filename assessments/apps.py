from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = "Patients and assessments"

    def ready(self) -> None:
        from django.db.models.signals import pre_save
        from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

        from assessments.auth import redact_stored_token

        pre_save.connect(redact_stored_token, sender=OutstandingToken,
                         dispatch_uid="assessments.redact_stored_token")
