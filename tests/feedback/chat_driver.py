"""A small driver that talks to the feedback assistant the way a browser without JavaScript does."""

import re
from dataclasses import dataclass, field

from fastapi.testclient import TestClient
from httpx import Response

STEP = re.compile(r'name="step" value="(\d+)"')


@dataclass
class Chat:
    """Posts each step's form and follows the redirect, like a person clicking through."""

    client: TestClient
    page: Response | None = None
    history: list[Response] = field(default_factory=list)

    @property
    def html(self) -> str:
        assert self.page is not None
        return self.page.text

    @property
    def step(self) -> str:
        match = STEP.search(self.html)
        assert match, "no form with a step on the page"
        return match.group(1)

    def _post(self, path: str, data: dict | None = None) -> Response:
        self.page = self.client.post(path, data=data or {})
        self.history.append(self.page)
        return self.page

    def open(self) -> Response:
        self.page = self.client.get("/feedback")
        return self.page

    def start(self, lang: str = "fi") -> Response:
        return self._post(f"/feedback/start?lang={lang}")

    def represent(self, stakeholder: str, organisation: str = "") -> Response:
        return self._post(
            "/feedback/stakeholder",
            {"step": self.step, "stakeholder": stakeholder, "organisation": organisation},
        )

    def say(self, text: str) -> Response:
        return self._post("/feedback/comment", {"step": self.step, "text": text})

    def answer(self, answer: str) -> Response:
        return self._post("/feedback/category", {"step": self.step, "answer": answer})

    def follow_up(self, answer: str | None) -> Response:
        data = {"step": self.step, "answer": answer or ""}
        if answer is None:
            data["skip"] = "1"
        return self._post("/feedback/followup", data)

    def more(self, choice: str) -> Response:
        return self._post("/feedback/more", {"step": self.step, "choice": choice})

    def finish(
        self, name: str = "", email: str = "", consent: bool = False, skip: bool = False
    ) -> Response:
        data = {"step": self.step, "name": name, "email": email}
        if consent:
            data["consent"] = "1"
        if skip:
            data["skip"] = "1"
        return self._post("/feedback/finish", data)

    def private_link(self) -> str:
        match = re.search(r'href="(/feedback/mine/[^"]+)"', self.html)
        assert match, "no private link on the page"
        return match.group(1)

    def references(self) -> list[str]:
        return re.findall(r"<strong>(VP-[A-Z0-9]{6})</strong>", self.html)
