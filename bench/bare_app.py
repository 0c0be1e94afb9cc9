"""The framework's own ceiling: a FastAPI app with one endpoint that does nothing."""

from fastapi import FastAPI

app = FastAPI()


@app.post("/noop")
async def noop() -> dict[str, bool]:
    """Answer at once."""
    return {"ok": True}
