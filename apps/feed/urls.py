from django.urls import path

from . import views

app_name = "feed"

urlpatterns = [
    path("", views.feed, name="home"),
    path("tags/<str:tag>/", views.tag_feed, name="tag"),
    path("posts/new/", views.create_post, name="create_post"),
    path("posts/<int:pk>/", views.post_detail, name="post"),
    path("posts/<int:pk>/edit/", views.update_post, name="update_post"),
    path("posts/<int:pk>/delete/", views.delete_post, name="delete_post"),
    path("posts/<int:pk>/like/", views.set_like, name="set_like"),
    path("posts/<int:pk>/comments/", views.comments, name="comments"),
    path("comments/<int:pk>/reply/", views.reply_form, name="reply_form"),
    path("comments/<int:pk>/edit/", views.update_comment, name="update_comment"),
    path("comments/<int:pk>/delete/", views.delete_comment, name="delete_comment"),
]
