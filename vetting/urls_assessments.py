"""Assessment URLs (vetting/views/assessments.py)."""

urlpatterns: list = []
