# 两条命令 / Two commands:
#   make run   — 安装并启动自查应用 (install and open the self-check app)
#   make test  — 安装全部依赖并运行全部测试 (install everything and run every test)

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8501
STAMP  := $(VENV)/.installed

N      ?= $(shell nproc 2>/dev/null || echo 2)
SERVE_PORT ?= 8080

.PHONY: run serve test lint bench bench-load system-deps install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	@echo "在浏览器中打开 / open in your browser: http://localhost:$(PORT)"
	@bash scripts/warm.sh $(PORT) $(BIN) &
	$(BIN)/streamlit run app.py --server.port $(PORT)

# 为全市服务 / serve a city: N app processes behind nginx (sticky sessions), until Ctrl-C.
# Set SUBSIDY_DB_URL=postgresql+psycopg://… so every process shares one register.
serve: $(STAMP)
	bash scripts/serve.sh -n $(N) -p $(SERVE_PORT) -b $(BIN)

# Debian packages the browser and database tests need: Chromium, a CJK font, PostgreSQL.
system-deps:
	@bash scripts/system-deps.sh

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks app.py

test: $(STAMP) system-deps
	$(BIN)/ruff check src tests benchmarks app.py
	bash scripts/run-tests.sh $(BIN)

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_check.py
	$(BIN)/python benchmarks/bench_screen.py

# Many users pressing 开始核查 at once, one process beside N processes behind nginx.
bench-load: $(STAMP)
	$(BIN)/python benchmarks/bench_load.py --processes $(N)

clean:
	rm -rf $(VENV) build *.egg-info artifacts
