"""Synthetic BackTracker cohort: rendered bend videos with a planted FP/EP phenotype.

Pure Python (numpy, scipy, moderngl on Mesa's EGL software rasteriser, PyAV); no Django.
Entry point: :func:`mlpipeline.synthetic.cohort.generate_cohort` (also
``python manage.py generate_cohort``). Modules, from the inside out:

- phenotype.py: latent FP/EP parameters, Bayes-optimal accuracy, PROM totals
- body.py, motion.py: proportions, sagittal kinematics, three repetitions with holds
- participant.py: one participant's body, clothes, style, room and recording set-ups
- mesh.py, figure.py, head.py: the shaded 3D person; scene.py: room, light, camera
- render.py: OpenGL rasteriser; writer.py: H.264 MP4 with rotation metadata
- cohort.py, formatdoc.py: the cohort folder and its FORMAT.md
- validate.py: BlazePose against the ground truth (tests, bench/synthetic.py)
"""
