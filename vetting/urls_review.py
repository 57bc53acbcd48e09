"""Review URLs (vetting/views/review.py): reviewers only."""

from django.urls import path

from vetting.views import review

urlpatterns = [
    path("review/", review.review_queue, name="review_queue"),
    path("review/<int:pk>/", review.review_page, name="review_page"),
    path("review/<int:pk>/comments/", review.review_comment, name="review_comment"),
    path("review/<int:pk>/information-request/", review.review_request_information,
         name="review_request_information"),
    path("review/<int:pk>/decision/", review.review_decide, name="review_decide"),
    path("review/<int:pk>/suspension/", review.review_suspend, name="review_suspend"),
]
