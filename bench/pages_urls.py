"""URLs for bench/pages.py: the site, plus a trivial view rendering the base template."""

from django.shortcuts import render
from django.urls import include, path


def trivial(request):
    return render(request, "base.html")


urlpatterns = [
    path("bench/trivial/", trivial),
    path("", include("clinic.urls")),
]
