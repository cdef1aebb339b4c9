from django.urls import path

from . import views

app_name = "feed"

urlpatterns = [
    path("", views.feed, name="home"),
    path("tags/<str:tag>/", views.tag_feed, name="tag"),
    path("posts/new/", views.post_create, name="post_create"),
    path("posts/<int:pk>/", views.post_detail, name="post"),
    path("posts/<int:pk>/edit/", views.post_edit, name="post_edit"),
    path("posts/<int:pk>/delete/", views.post_delete, name="post_delete"),
    path("posts/<int:pk>/like/", views.like, name="like"),
    path("posts/<int:pk>/comments/", views.comments, name="comments"),
    path("comments/<int:pk>/reply/", views.comment_reply_form, name="comment_reply"),
    path("comments/<int:pk>/edit/", views.comment_edit, name="comment_edit"),
    path("comments/<int:pk>/delete/", views.comment_delete, name="comment_delete"),
]
