"""The classifier's versions page: retrain on reviewed comments, compare, activate, roll back."""

import re
import shutil

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from assistant.app import create_app
from assistant.audit.models import AuditEntry
from assistant.classifier.registry import current_version
from assistant.db import build_engine
from assistant.jobs.models import Job
from assistant.jobs.service import run_pending
from assistant.settings import get_settings
from tests.conftest import make_test_settings
from tests.workspace.conftest import PASSWORD, create_user, csrf_of

REVIEWED = [
    ("Kotihoidon käynnit venyvät, koska hoitajia on aivan liian vähän.", "resources"),
    (
        "Pienet yhdistykset jäävät ulos, kun kilpailutus tehdään yhtenä isona kokonaisuutena.",
        "small_producers",
    ),
    (
        "Oman tuotannon hinnat pitäisi laskea samoilla perusteilla kuin ostopalveluiden.",
        "cost_comparability",
    ),
    ("Äidin hoitajat vaihtuvat joka viikko, eikä kukaan tunne hänen tapojaan.", "quality"),
    (
        "Kokeillaan etäkäyntejä yhdellä alueella ja kerrotaan avoimesti, mitä opittiin.",
        "development",
    ),
    ("Det behövs fler närvårdare på kvällarna, nu hinner ingen prata med de äldre.", "resources"),
]


@pytest.fixture
def admin(sqlite_url, tmp_path):
    """An admin signed in to an app whose models/ is a scratch copy, with reviewed comments."""
    models = shutil.copytree(get_settings().models_dir, tmp_path / "models")
    app = create_app(make_test_settings(sqlite_url, models_dir=models, retrain_cv_folds=0))
    with TestClient(app) as client:
        for text, _label in REVIEWED:
            created = client.post("/api/v1/feedback", json={"text": text, "stakeholder": "staff"})
            assert created.status_code == 201
        email = create_user(sqlite_url, "admin")
        page = client.post(
            "/sign-in", data={"email": email, "password": PASSWORD, "next": "/admin/models"}
        )
        yield app, client, csrf_of(page.text), models


def _review_everything(client, csrf):
    page = client.get("/workspace/comments?q=&sort=newest")
    references = list(dict.fromkeys(re.findall(r"/workspace/comments/(VP-[A-Z0-9]{6})", page.text)))
    texts = {text: label for text, label in REVIEWED}
    for reference in references:
        comment = client.get(f"/workspace/comments/{reference}")
        for text, label in texts.items():
            if text in comment.text:
                done = client.post(
                    f"/workspace/comments/{reference}/review",
                    data={"csrf": csrf, "final_label": label},
                )
                assert done.status_code == 200


def test_retrain_compare_activate_and_roll_back(admin, sqlite_url):
    app, client, csrf, models = admin
    _review_everything(client, csrf)
    base = current_version(models)
    page = client.get("/admin/models")
    assert page.status_code == 200 and base in page.text

    queued = client.post("/admin/models/retrain", data={"csrf": csrf}, follow_redirects=False)
    assert queued.status_code == 303
    job_url = queued.headers["location"]
    assert run_pending(app.state.engine) >= 1
    done = client.get(job_url)
    new = re.search(r"candidate=([0-9-]+)", done.text).group(1)
    assert new != base and current_version(models) == base  # written, not yet in use

    compared = client.get(f"/admin/models/compare?candidate={new}")
    assert compared.status_code == 200
    assert base in compared.text and new in compared.text

    activated = client.post("/admin/models/activate", data={"csrf": csrf, "version": new})
    assert activated.status_code == 200
    assert current_version(models) == new
    rolled_back = client.post("/admin/models/rollback", data={"csrf": csrf})
    assert rolled_back.status_code == 200
    assert current_version(models) == base

    refused = client.post("/admin/models/activate", data={"csrf": csrf, "version": "../etc"})
    assert refused.status_code in {404, 409, 422}
    assert current_version(models) == base

    engine = build_engine(sqlite_url, begin_immediate=False)
    with Session(engine) as session:
        actions = [
            (e.action, e.target_id)
            for e in session.exec(select(AuditEntry).where(AuditEntry.target_type == "model"))
        ]
        job = session.get(Job, int(job_url.rsplit("/", 1)[1]))
    engine.dispose()
    assert ("model.activate", new) in actions and ("model.rollback", base) in actions
    assert job.result["reviewed"] >= len(REVIEWED)


def test_preparers_cannot_retrain(sqlite_url):
    app = create_app(make_test_settings(sqlite_url))
    with TestClient(app) as client:
        email = create_user(sqlite_url, "preparer")
        page = client.post("/sign-in", data={"email": email, "password": PASSWORD})
        csrf = csrf_of(page.text)
        assert client.post("/admin/models/retrain", data={"csrf": csrf}).status_code == 403
        assert client.get("/admin/models").status_code == 403
