from django.apps import AppConfig


class MlpipelineConfig(AppConfig):
    name = "mlpipeline"
    verbose_name = "Video analysis"
