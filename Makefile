# 两条命令 / Two commands:
#   make run   — 安装并启动自查应用 (install and open the self-check app)
#   make test  — 安装全部依赖并运行全部测试 (install everything and run every test)

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8501
STAMP  := $(VENV)/.installed

.PHONY: run test lint bench system-deps install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	@echo "在浏览器中打开 / open in your browser: http://localhost:$(PORT)"
	$(BIN)/streamlit run app.py --server.port $(PORT)

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

clean:
	rm -rf $(VENV) build *.egg-info artifacts
