"""Pure ML core of the BackTracker classifier (torch, scikit-learn, onnxruntime; no Django).

- model:      ModelConfig, BackTrackerNet (ResNet18 over K masks, motion and PROM streams)
- preprocess: mask and feature-vector preparation shared by training and serving (no torch)
- data:       Participant, load_participant_masks, ParticipantDataset, augmentation
- cv:         grouped, stratified folds and the inner validation split
- config:     TrainConfig, the paper and quick profiles, input checks
- train:      train_one_epoch, evaluate, cross_validate, train_final
- checkpoint: save_checkpoint / load_model (versioned, self-describing)
- metrics:    per-fold, macro (95% CI) and micro metrics
- report:     report.json, report.md, roc.png
- export:     export_onnx with an onnxruntime parity check
- inference:  OnnxClassifier (cached onnxruntime session)
- grid:       the experiment grid of the paper's Tables 2-4
- toy:        tiny synthetic participants for tests and benchmarks
"""
