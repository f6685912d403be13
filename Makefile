# newsbot: `make demo` runs every spider offline on the recordings; `make test` runs the tests.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
REPLAY ?= tests/fixtures/replay
DATA   ?= data
GENERIC_URL ?= https://www.riverside-courier.test/politics/
# Listings that need a browser are rendered when Debian's chromium is installed (.ci/run installs
# it; `apt-get install chromium` does by hand); without it the demo reads them as plain pages.
RENDERING ?= $(if $(wildcard /usr/bin/chromium),auto,never)
DEMO_SETTINGS = -s LOG_LEVEL=WARNING -s NEWSBOT_STATE=sqlite:///$(DATA)/.demo-state.sqlite -s NEWSBOT_RENDERING=$(RENDERING)

.PHONY: demo test check install clean

install: $(BIN)/.installed

$(BIN)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

demo: install
	@mkdir -p $(DATA) && rm -f $(DATA)/.demo-state.sqlite*
	@[ "$(RENDERING)" != never ] || echo "note: /usr/bin/chromium not found, JavaScript listings are read without a browser"
	@for spider in $$($(BIN)/scrapy list | grep -vx generic); do \
		NEWSBOT_REPLAY=$(REPLAY) $(BIN)/scrapy crawl $$spider -O $(DATA)/$$spider.jsonl:jsonl \
			$(DEMO_SETTINGS) || exit $$?; \
	done
	@# The generic spider needs a section URL: the recorded site in tests/fixtures/replay/generic_site.
	@NEWSBOT_REPLAY=$(REPLAY) $(BIN)/scrapy crawl generic -a url=$(GENERIC_URL) -O $(DATA)/generic.jsonl:jsonl \
		$(DEMO_SETTINGS)
	@$(BIN)/python -m newsbot.summary $(DATA)/*.jsonl

test: install
	$(BIN)/python -m pytest
	$(BIN)/scrapy check --replay $(REPLAY)

clean:
	rm -rf $(VENV) $(DATA) .newsbot .pytest_cache
