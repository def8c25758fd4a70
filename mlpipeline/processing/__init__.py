"""Pure video analysis (no Django imports): from a video file to theta, motion features,
back masks and quality feedback.

Entry points: `pipeline.run_pipeline(path, task, PipelineConfig(), progress_callback)` and
`output.write_outputs(result, folder)` (the features.json format of DESIGN.md). Errors:
`errors.PipelineError` and its subclasses are permanent (never retry); anything else is
unexpected. `backmasks.select_masks` chooses the K masks used by the classifier.

Modules: pose (BlazePose; keypoint cleaning), higherhrnet (ONNX), segmentation and sam
(person masks), features (theta, repetitions, motion features), backmasks, signals and
quality (checks a patient can act on), framepass (the single decoding pass), pipeline,
output, overlay.
"""
