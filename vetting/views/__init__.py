"""Views, one module per area: system (health, dashboard shell), registry, assessments."""
