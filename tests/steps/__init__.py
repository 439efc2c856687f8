"""Gherkin step library for the clause scenarios in ``features/`` (pytest-bdd, ``# language: zh-CN``).

The steps are written for rule maintainers: a scenario says in Chinese what the company is,
what it did in which year, which reading of an ambiguous clause is in force, and what the
calculator must answer — status *and* amount, precisely. ``features/README.md`` lists every
step with an example.

Modules:

- :mod:`steps.support` — the scenario state (profile being built, readings, report), label →
  code look-ups through :mod:`subsidy.vocab` and the loaded rule set (tier titles,
  interpretation titles and reading labels; ``$SUBSIDY_RULES_DIR`` picks the rule folder),
  money parsing, the rules a result check reached, and the failure messages that list what
  findings do exist;
- :mod:`steps.profile_steps` — ``假如``/``而且`` steps that describe the company;
- :mod:`steps.result_steps` — ``当 计算奖励`` and the ``那么`` steps that check the findings.

``tests/test_features.py`` imports the step modules (pytest-bdd registers each step as a
fixture of the module that defines it) and binds the feature files.
"""
