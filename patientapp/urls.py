from django.urls import path

from patientapp import views

app_name = "patientapp"

urlpatterns = [
    path("", views.page, {"name": "home"}, name="home"),
    path("signup/", views.signup, name="signup"),
    path("signin/", views.page, {"name": "signin"}, name="signin"),
    path("questionnaires/", views.page, {"name": "questionnaires"}, name="questionnaires"),
    path("record/", views.page, {"name": "record", "camera": True}, name="record"),
    path("results/", views.page, {"name": "results"}, name="results"),
    path("programme/", views.page, {"name": "programme"}, name="programme"),
    path("data/", views.page, {"name": "data"}, name="data"),
    path("sw.js", views.service_worker, name="service-worker"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
]
