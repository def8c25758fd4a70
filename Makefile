# BackTracker: `make run` sets up and runs the platform on embedded defaults,
# `make test` runs the test suite against PostgreSQL, Redis, moto S3 and a real worker.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# A wheel folder outside the clone makes a fresh virtual environment faster (optional).
WHEELS ?= /var/cache/backtracker/wheels
HOST ?= 127.0.0.1
DEMO_COHORT ?= var/demo-cohort
PORT ?= 8000

TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/backtracker
TEST_BROKER_URL ?= redis://127.0.0.1:6379/15

.PHONY: install run test lint services wheels

$(VENV)/.installed: requirements.txt requirements-dev.txt
	bash .ci/system-packages.sh runtime
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	if [ -d $(WHEELS) ]; then \
		$(PY) -m pip install --quiet --find-links $(WHEELS) -r requirements-dev.txt; \
	else \
		$(PY) -m pip install --quiet -r requirements-dev.txt; \
	fi
	touch $@

# BlazePose lite and heavy from the pinned npm package @mediapipe/pose (needs npm; see
# mlpipeline/processing/pose_models.py; BACKTRACKER_SKIP_POSE_MODELS=1 goes on without them).
$(VENV)/.pose-models: $(VENV)/.installed mlpipeline/processing/pose_models.py
	$(PY) -m mlpipeline.processing.pose_models install
	touch $@

install: $(VENV)/.installed $(VENV)/.pose-models

# Keep downloaded wheels outside the clone for the next fresh install.
wheels: install
	mkdir -p $(WHEELS)
	$(PY) -m pip download --quiet -d $(WHEELS) -r requirements-dev.txt

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py seed_demo
	$(PY) manage.py seed_exercises
	test -f $(DEMO_COHORT)/cohort.csv || $(PY) manage.py generate_cohort --participants 8 \
		--out $(DEMO_COHORT) --seed 7 --small --no-silhouettes
	$(PY) manage.py import_cohort $(DEMO_COHORT) --cohort demo --physio physio.alex@demo.backtracker
	$(PY) manage.py runplatform --host $(HOST) --port $(PORT) --demo

services:
	bash .ci/system-packages.sh test
	bash .ci/services.sh

lint: install
	$(VENV)/bin/ruff check .

test: install services
	DATABASE_URL=$(TEST_DATABASE_URL) CELERY_BROKER_URL=$(TEST_BROKER_URL) \
		$(PY) -m pytest $(PYTEST_ARGS)
