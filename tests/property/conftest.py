"""Hypothesis profiles: ``default`` keeps the suite fast, ``ci`` (``.ci/run``) searches harder.

Chosen with ``HYPOTHESIS_PROFILE``; ``deadline=None`` because two shared cores make single
examples slow at random, and a property test must fail on a wrong answer, never on timing.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "default", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
