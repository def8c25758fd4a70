from django.apps import AppConfig


class BacktrackerSiteConfig(AppConfig):
    name = "backtracker_site"
    verbose_name = "BackTracker site"

    def ready(self) -> None:
        from backtracker_site import checks  # noqa: F401  (registers the system checks)
