"""Errors raised by the video pipeline.

`PipelineError` and its subclasses are *permanent*: running the same input again gives the
same answer, so a job must not retry them. Anything else raised by the pipeline (OSError,
MemoryError, onnxruntime failures...) is unexpected and may be transient.
"""

from __future__ import annotations


class PipelineError(Exception):
    """A permanent failure with a stable reason `code` and a plain `message` for the patient."""

    def __init__(self, code: str, message: str, detail: str = "") -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.detail = detail  # technical detail for logs; never shown to the patient


class VideoRejected(PipelineError):
    """The uploaded file is not a video we can analyse (found by probing or decoding)."""


class ModelUnavailable(PipelineError):
    """An operator-supplied model file is missing or has the wrong inputs/outputs.

    Permanent for the current configuration; the operator, not the patient, must act.
    """
