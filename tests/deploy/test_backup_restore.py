"""The restore drill, run for real on PostgreSQL with the scripts the README tells operators to
use (deploy/backup.sh, deploy/restore.sh): a populated site is backed up, restored into a new
database and a new media folder, and its member can log in and see their posts and photos."""

import os
import shutil
import subprocess

import pytest

from tests.servers import MANAGE, ROOT, own_database, prepare_database, server_env

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the drill backs up PostgreSQL (the suite's PostgreSQL run does it)",
)

POPULATE = """
from apps.feed import services as feed
from apps.moderation.models import Report
from apps.profiles import services as profiles
from tests.factories import PostFactory, UserFactory
from tests.images import image_bytes

alice = UserFactory(username="alice", first_name="Alice", last_name="Liddell")
profiles.update_profile(user=alice, tokens={}, profile_fields={"bio": "Down the rabbit hole"},
                        photo=profiles.PhotoChange(image_bytes(size=(300, 300))))
feed.create_post(author=alice, title="Tea party notes", text="Six o'clock, always.",
                 tags=["tea"], image=image_bytes(size=(800, 600), colour=(10, 120, 200)))
Report.objects.create(reporter=UserFactory(username="bob"),
                      post=PostFactory(author=alice, title="Second post"), reason="spam")
"""

CHECK = """
import re
from django.test import Client
from tests.factories import PASSWORD

client = Client()
login = client.post("/accounts/login/", {"login": "alice", "password": PASSWORD})
assert login.status_code == 302, login.status_code
page = client.get("/u/alice/").content.decode()
for words in ("Tea party notes", "Second post", "Down the rabbit hole", "Alice Liddell"):
    assert words in page, words
images = sorted(set(re.findall(r'src="(/media/(?:avatars|posts)/[^"]+)"', page)))
assert any("/avatars/" in url for url in images), images
assert any("/posts/" in url for url in images), images
for url in images:
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert response.status_code == 200, url
    assert body.startswith(b"\\xff\\xd8"), url
from apps.moderation.models import Report
assert Report.objects.filter(post__title="Second post").count() == 1
print("restored:", len(images), "images")
"""


def shell(env: dict[str, str], script: str) -> str:
    result = subprocess.run([*MANAGE, "shell", "-c", script], cwd=ROOT, env=env, text=True,
                            capture_output=True, timeout=120, check=False)  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def run(script: str, folder, env: dict[str, str]) -> subprocess.CompletedProcess:
    command = ["sh", str(ROOT / "deploy" / script), str(folder)]
    result = subprocess.run(command, cwd=ROOT, env=env, text=True, capture_output=True,
                            timeout=300, check=False)  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_a_backup_restores_into_a_new_database_and_media_folder(tmp_path):
    if shutil.which("pg_dump") is None:
        pytest.fail("pg_dump is needed for the drill: apt-get install postgresql-client")
    backup = tmp_path / "backup"
    with own_database(tmp_path) as original, own_database(tmp_path) as fresh:
        source = server_env(original, MEDIA_ROOT=str(tmp_path / "media"))
        prepare_database(source, create_user=False)
        shell(source, POPULATE)
        run("backup.sh", backup, source)
        assert sorted(p.name for p in backup.iterdir()) == ["CONTENTS", "SHA256SUMS", "db.dump",
                                                            "media.tar.gz"]  # fmt: skip
        contents = (backup / "CONTENTS").read_text()
        assert f"media.tar.gz: the uploaded images in {tmp_path / 'media'} on " in contents
        assert "WARNING" not in contents

        target = server_env(fresh, MEDIA_ROOT=str(tmp_path / "restored-media"))
        restored = run("restore.sh", backup, target)
        assert contents in restored.stdout  # what the backup holds, said before restoring it
        assert "restored: 3 images" in shell(target, CHECK)

        assert oct((backup / "db.dump").stat().st_mode & 0o777) == "0o600"

        # A database that has tables already is refused, and stays as it was.
        again = restore(backup, target)
        assert again.returncode != 0
        assert "restored: 3 images" in shell(target, CHECK)

        # A damaged backup is refused before anything is touched.
        with (backup / "db.dump").open("ab") as dump:
            dump.write(b"rot")
        with own_database(tmp_path) as other:
            damaged = restore(backup, server_env(other, MEDIA_ROOT=str(tmp_path / "m3")))
            assert damaged.returncode != 0
            assert "FAILED" in damaged.stdout + damaged.stderr
            assert not (tmp_path / "m3").exists()


def restore(backup, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(["sh", str(ROOT / "deploy" / "restore.sh"), str(backup)], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=60,
                          check=False)  # fmt: skip


def test_the_scripts_refuse_what_they_cannot_back_up(tmp_path):
    def backup(**env: str) -> subprocess.CompletedProcess:
        return subprocess.run(["sh", str(ROOT / "deploy" / "backup.sh"), str(tmp_path / "out")],
                              env={**os.environ, **env}, capture_output=True, text=True,
                              check=False)  # fmt: skip

    sqlite = backup(DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3")
    assert sqlite.returncode == 2
    assert "not a postgres:// URL" in sqlite.stderr
    no_media = backup(DATABASE_URL="postgres://postgres@127.0.0.1/x", MEDIA_ROOT="/no/such")
    assert no_media.returncode == 2
    assert "No media folder" in no_media.stderr
    said_local = backup(DATABASE_URL="postgres://postgres@127.0.0.1/x", MEDIA_ROOT="/no/such",
                        MEDIA_STORAGE="local", AWS_STORAGE_BUCKET_NAME="static-only")  # fmt: skip
    assert said_local.returncode == 2
    assert "No media folder" in said_local.stderr
    unknown = backup(DATABASE_URL="postgres://postgres@127.0.0.1/x", MEDIA_STORAGE="disk")
    assert unknown.returncode == 2
    assert "MEDIA_STORAGE must be local or s3, got 'disk'" in unknown.stderr
    no_bucket = backup(DATABASE_URL="postgres://postgres@127.0.0.1/x", MEDIA_STORAGE="s3",
                       AWS_STORAGE_BUCKET_NAME="")  # fmt: skip
    assert no_bucket.returncode == 2
    assert "MEDIA_STORAGE=s3 needs AWS_STORAGE_BUCKET_NAME" in no_bucket.stderr
    assert not (tmp_path / "out").exists()


def backed_up(tmp_path, **env: str) -> tuple[subprocess.CompletedProcess, str, list[str]]:
    """Back up an empty database of its own with `env`: the run, CONTENTS, the files made."""
    media = tmp_path / "media"
    media.mkdir(exist_ok=True)
    folder = tmp_path / "backup"
    with own_database(tmp_path) as database:
        result = run("backup.sh", folder, server_env(database, MEDIA_ROOT=str(media), **env))
    contents = (folder / "CONTENTS").read_text()
    assert contents in result.stdout
    return result, contents, sorted(path.name for path in folder.iterdir())


def test_a_backup_with_media_in_a_bucket_says_they_are_not_in_it_and_where_they_are(tmp_path):
    _, contents, files = backed_up(tmp_path, AWS_STORAGE_BUCKET_NAME="eternity-media")
    assert files == ["CONTENTS", "SHA256SUMS", "db.dump"]
    assert "db.dump: the PostgreSQL database eternity_proc_" in contents
    assert "Media: NOT in this backup. They are in the S3 bucket eternity-media" in contents
    assert "versioned or replicated" in contents


def test_a_backup_of_one_nodes_media_warns_when_several_nodes_serve_the_site(tmp_path):
    result, contents, files = backed_up(tmp_path, WEB_NODES="2")
    assert "media.tar.gz" in files
    warning = "WARNING: WEB_NODES=2 and the media are on this node's own disk"
    assert warning in contents
    assert warning in result.stderr
    assert "only the images uploaded through this node" in contents


def test_a_backup_of_a_shared_media_volume_says_so_without_a_warning(tmp_path):
    result, contents, files = backed_up(tmp_path, WEB_NODES="2", MEDIA_SHARED_VOLUME="1")
    assert "media.tar.gz" in files
    assert "the volume all web nodes share" in contents
    assert "WARNING" not in contents + result.stderr


@pytest.mark.parametrize("tail", ["", "/", "?sslmode=prefer"], ids=["no-path", "slash", "query"])
def test_a_backup_names_its_database_but_never_writes_the_password(tmp_path, tail):
    """CONTENTS and the script's output name the database, never the URL: with no database in
    the path (the server's default), the password that the URL holds is nowhere in them."""
    media = tmp_path / "media"
    media.mkdir()
    server = os.environ["DATABASE_URL"].rsplit("/", 1)[0].split("://", 1)[1].rsplit("@", 1)[-1]
    url = f"postgres://postgres:never-written-3f9a@{server}{tail}"
    env = server_env(os.environ["DATABASE_URL"], MEDIA_ROOT=str(media)) | {"DATABASE_URL": url}
    result = run("backup.sh", tmp_path / "backup", env)
    contents = (tmp_path / "backup" / "CONTENTS").read_text()
    assert "db.dump: the PostgreSQL database (the server's default database)" in contents
    assert "never-written-3f9a" not in contents + result.stdout + result.stderr
