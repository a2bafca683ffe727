# `make run`: set up everything and serve the demo on http://127.0.0.1:5000 (`PORT=8080 make run`)
# `make test`: set up everything and run the whole test suite
VENV ?= .venv
PYTHON ?= python3
PORT ?= 5000
FLASK = LMS_DEMO=1 $(VENV)/bin/flask --app lms
STAMP = $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: setup run serve test messages translations bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# The working tree's .mo files (setup.py compiles them into every built package).
translations: $(STAMP)
	$(VENV)/bin/pybabel -q compile -d lms/translations

setup: $(STAMP) translations

run: setup
	$(FLASK) db upgrade
	$(FLASK) courses sync
	$(FLASK) demo load
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

# Production-like: gunicorn with (2 x cores) + 1 workers on 127.0.0.1:8000 (gunicorn.conf.py)
# on the same database as `make run`.
serve: setup
	$(FLASK) db upgrade
	$(FLASK) courses sync
	$(FLASK) demo load
	LMS_DEMO=1 $(VENV)/bin/gunicorn --access-logfile - 'lms:create_app()'

# The whole suite on SQLite, then again on a throwaway PostgreSQL server.
test: setup
	./scripts/system-deps.sh
	$(VENV)/bin/pytest
	./scripts/with-postgres.sh $(VENV)/bin/pytest -p no:cacheprovider -q -m "not browser"

# After adding or changing interface strings: refresh the catalogue, then translate the new
# entries in lms/translations/vi/LC_MESSAGES/messages.po.
messages: $(STAMP)
	$(VENV)/bin/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -o lms/translations/messages.pot .
	$(VENV)/bin/pybabel -q update -i lms/translations/messages.pot -d lms/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) instance/lms.sqlite3*
