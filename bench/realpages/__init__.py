"""``python -m bench realpages``: real news pages through real churn and one real edit.

``pages`` loads the sets and finds the truth in each page, ``churn`` renders the five steps,
``run`` serves them and drives ``versiontrack check`` like a user, ``score`` and ``report``
judge and print. ``main`` ties them together.
"""
