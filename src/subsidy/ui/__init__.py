"""The Streamlit self-check app: pages that call the library and show what it found.

``app.py`` calls :func:`subsidy.ui.shell.main`. Pages: the self-check
(:mod:`~subsidy.ui.check_page`), the rule catalogue (:mod:`~subsidy.ui.catalogue_page`) and
the review page (``subsidy.ui.review_page`` when installed). No page computes eligibility.
"""
