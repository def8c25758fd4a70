from django.apps import AppConfig


class PatientAppConfig(AppConfig):
    name = "patientapp"
    verbose_name = "Patient web app"
